//! Real embeddings (LFW, FaceNet-512): verification accuracy matches the reference numbers,
//! and the quantised indexes find the exact top-10.

mod common;

use biomatch::face::{FaceIndex, FaceTemplate, Precision, npy};

fn load() -> Option<(Vec<FaceTemplate>, Vec<String>)> {
    let dir = common::dataset("face/lfw-facenet512")?;
    let m = npy::read_f32_matrix(dir.join("embeddings.npy")).unwrap();
    let labels: Vec<String> = std::fs::read_to_string(dir.join("labels.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!((m.rows, m.cols, labels.len()), (1435, 512, 1435));
    let ts = (0..m.rows)
        .map(|i| FaceTemplate::new("facenet512", m.row(i)).unwrap())
        .collect();
    Some((ts, labels))
}

#[test]
fn tar_at_far_matches_the_reference() {
    let Some((ts, labels)) = load() else { return };
    let (mut genuine, mut impostor) = (vec![], vec![]);
    for i in 0..ts.len() {
        for j in i + 1..ts.len() {
            let s = ts[i].similarity(&ts[j]).unwrap() as f64;
            if labels[i] == labels[j] {
                genuine.push(s)
            } else {
                impostor.push(s)
            }
        }
    }
    // Reference (anchors.md): 0.891 / 0.665 / 0.393.
    let curve = biomatch::eval::VerificationCurve::new(&genuine, &impostor).unwrap();
    for (far, want) in [(1e-2, 0.891), (1e-3, 0.665), (1e-4, 0.393)] {
        let tar = curve.tar_at_far(far).unwrap();
        assert!(
            (tar - want).abs() < 0.003,
            "TAR at FAR {far}: {tar} vs {want}"
        );
    }
}

#[test]
fn quantised_recall_at_10_against_exact_search() {
    let Some((ts, _)) = load() else { return };
    let entries: Vec<(u64, FaceTemplate)> = ts
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, t)| (i as u64, t))
        .collect();
    let exact = FaceIndex::new("facenet512", 512, Precision::F32);
    exact.enrol_many(&entries).unwrap();
    let truth = exact.search_batch(&ts, 10).unwrap();
    for (precision, min_recall) in [(Precision::F16, 0.999), (Precision::I8, 0.99)] {
        let index = FaceIndex::new("facenet512", 512, precision);
        index.enrol_many(&entries).unwrap();
        let got = index.search_batch(&ts, 10).unwrap();
        let hits: usize = truth
            .iter()
            .zip(&got)
            .map(|(t, g)| g.iter().filter(|c| t.iter().any(|x| x.id == c.id)).count())
            .sum();
        let recall = hits as f64 / (10 * ts.len()) as f64;
        eprintln!("{precision:?} recall@10 = {recall:.4}");
        assert!(recall >= min_recall, "{precision:?} recall@10 {recall}");
    }
}
