//! DET plot: structure, axis mapping and escaping.

use biomatch::eval::{DetAxes, DetSeries, VerificationCurve, det_svg};

fn numbers_in(points: &str) -> Vec<(f64, f64)> {
    points
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

#[test]
fn one_line_per_database_monotone() {
    let imp: Vec<f64> = (0..1000).map(|i| f64::from(i % 97)).collect();
    let a = VerificationCurve::new(&[50.0, 80.0, 96.0, 120.0, 200.0], &imp).unwrap();
    let b = VerificationCurve::new(&[10.0, 20.0, 99.0], &imp).unwrap();
    let svg = det_svg(
        &[
            DetSeries {
                name: "FVC2002 <DB1> & co",
                curve: &a,
            },
            DetSeries {
                name: "DB2",
                curve: &b,
            },
        ],
        "DET",
    );
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<polyline").count(), 2);
    assert!(svg.contains("FVC2002 &lt;DB1&gt; &amp; co"));
    assert!(!svg.contains("<DB1>"));
    for line in svg.lines().filter(|l| l.starts_with("<polyline")) {
        let pts = line.split("points=\"").nth(1).unwrap();
        let pts = numbers_in(pts.split('"').next().unwrap());
        assert!(pts.len() >= 2);
        // Along increasing threshold FMR falls (x moves left) and FNMR rises (y moves up).
        for w in pts.windows(2) {
            assert!(w[1].0 <= w[0].0 && w[1].1 <= w[0].1, "{w:?}");
        }
        for &(x, y) in &pts {
            assert!((0.0..=720.0).contains(&x) && (0.0..=540.0).contains(&y));
        }
    }
}

/// 1000 impostors resolve FMR 1e-3, 5 genuine resolve FNMR 0.2 -> decade -1; the axes go
/// from 10^-3 and 10^-1 to 1; a point at FMR 1e-2 sits a third of the way along x, and
/// rates of 0 sit on the floor.
#[test]
fn axes_fit_and_map() {
    let imp: Vec<f64> = (0..1000).map(f64::from).collect();
    let c = VerificationCurve::new(&[1.0, 2.0, 3.0, 4.0, 5.0], &imp).unwrap();
    let axes = DetAxes::fit(&[DetSeries {
        name: "x",
        curve: &c,
    }]);
    assert_eq!(
        axes,
        DetAxes {
            fmr_decade: -3,
            fnmr_decade: -1
        }
    );
    let (left, bottom) = axes.position(1e-3, 0.1);
    let (right, top) = axes.position(1.0, 1.0);
    let (mid, _) = axes.position(1e-2, 0.5);
    assert!(((mid - left) / (right - left) - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(axes.position(0.0, 0.0), (left, bottom));
    assert!(top < bottom && right > left);
}
