//! Face templates: validation errors and cosine similarity.

use biomatch::face::{FaceError, FaceTemplate};

#[test]
fn invalid_embeddings_are_typed_errors() {
    let mut v = vec![0.5f32; 512];
    assert_eq!(
        FaceTemplate::new("m", &vec![0.0; 512]),
        Err(FaceError::Zero)
    );
    v[7] = f32::NAN;
    assert_eq!(
        FaceTemplate::new("m", &v),
        Err(FaceError::NotFinite { index: 7 })
    );
    v[7] = f32::INFINITY;
    assert_eq!(
        FaceTemplate::new("m", &v),
        Err(FaceError::NotFinite { index: 7 })
    );
    for d in [0usize, 1, 127, 4097] {
        assert_eq!(
            FaceTemplate::new("m", &vec![1.0; d]),
            Err(FaceError::DimensionOutOfRange { got: d })
        );
    }
    assert!(FaceTemplate::new("m", &vec![1.0; 128]).is_ok());
    assert!(FaceTemplate::new("m", &vec![1.0; 4096]).is_ok());
}

#[test]
fn enrolment_normalises_even_extreme_magnitudes() {
    for scale in [1e-30f32, 1.0, 3e37] {
        let v: Vec<f32> = (0..256).map(|i| scale * ((i % 7) as f32 - 3.0)).collect();
        let t = FaceTemplate::new("m", &v).unwrap();
        let norm: f64 = t
            .values()
            .iter()
            .map(|x| (*x as f64).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!((norm - 1.0).abs() < 1e-6, "scale {scale}: norm {norm}");
    }
}

#[test]
fn similarity_is_cosine_and_checks_model_and_dimension() {
    let mut a = vec![0.0f32; 128];
    let mut b = vec![0.0f32; 128];
    a[0] = 3.0;
    b[0] = 1.0;
    b[1] = 1.0;
    let ta = FaceTemplate::new("m", &a).unwrap();
    let tb = FaceTemplate::new("m", &b).unwrap();
    let s = ta.similarity(&tb).unwrap();
    assert!((s - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
    assert!((ta.similarity(&ta).unwrap() - 1.0).abs() < 1e-6);
    let other = FaceTemplate::new("n", &b).unwrap();
    assert!(matches!(
        ta.similarity(&other),
        Err(FaceError::ModelMismatch { .. })
    ));
    let longer = FaceTemplate::new("m", &[1.0; 256]).unwrap();
    assert_eq!(
        ta.similarity(&longer),
        Err(FaceError::WrongDimension {
            expected: 128,
            got: 256
        })
    );
}
