//! Fingerprint minutiae templates: reading and writing the interchange formats, extraction
//! from numpy images, 1:1 scores, synthetic distractors.

use std::sync::OnceLock;

use biomatch::finger::extract::{self as core_extract, ExtractParams};
use biomatch::finger::formats::{self, Format, Mode, ReadOptions};
use biomatch::finger::image::Raster;
use biomatch::finger::matcher::{Matcher, PreparedFinger};
use biomatch::finger::{self as core_finger, FingerView, MinutiaQuality, Resolution};
use biomatch::gallery::synth::SynthModel;
use ndarray::{Array2, Axis};
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyType};

use crate::errors;
use crate::threads;

/// The matcher every binding uses (default parameters, kernel chosen at run time).
pub(crate) fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(Matcher::default)
}

fn extract_params() -> &'static ExtractParams {
    static PARAMS: OnceLock<ExtractParams> = OnceLock::new();
    PARAMS.get_or_init(ExtractParams::default)
}

/// What `FingerTemplate.__reduce__` returns: the constructor and its arguments.
type Reduced<'py> = (Bound<'py, PyAny>, (String, Option<&'static str>));

/// A fingerprint minutiae template: one or more finger views, with the format it was read
/// as (`None` for extracted or synthetic templates).
#[pyclass(frozen, module = "biomatch._biomatch")]
pub(crate) struct FingerTemplate {
    pub(crate) template: core_finger::FingerTemplate,
    format: Option<Format>,
    /// The first view prepared for 1:1 scoring, on first use.
    prepared: OnceLock<Option<PreparedFinger>>,
}

impl FingerTemplate {
    pub(crate) fn new(template: core_finger::FingerTemplate, format: Option<Format>) -> Self {
        FingerTemplate {
            template,
            format,
            prepared: OnceLock::new(),
        }
    }

    fn prepared(&self, what: &str) -> PyResult<&PreparedFinger> {
        self.prepared
            .get_or_init(|| self.template.first_view().map(|v| matcher().prepare(v)))
            .as_ref()
            .ok_or_else(|| errors::invalid(format!("{what} has no finger view")))
    }
}

fn format_arg(format: Option<&str>) -> PyResult<Option<Format>> {
    format
        .map(|f| f.parse::<Format>().map_err(errors::format))
        .transpose()
}

fn read_bytes(
    bytes: &[u8],
    format: Option<&str>,
    strict: bool,
    image_size: Option<(u16, u16)>,
    ppi: Option<f32>,
) -> PyResult<FingerTemplate> {
    if bytes.is_empty() {
        return Err(errors::error(
            "TemplateFormatError",
            "the template data is empty",
        ));
    }
    if let Some(p) = ppi
        && !(p.is_finite() && p > 0.0 && p <= 100_000.0)
    {
        return Err(errors::invalid(format!("ppi {p} is not a resolution")));
    }
    let format = format_arg(format)?;
    let options = ReadOptions {
        mode: if strict { Mode::Strict } else { Mode::Lenient },
        format,
        xyt_flavour: match format {
            Some(Format::Xyt(f)) => f,
            _ => Default::default(),
        },
        image_width: image_size.map(|s| s.0),
        image_height: image_size.map(|s| s.1),
        resolution: ppi.map(Resolution::from_ppi),
    };
    let decoded = formats::read(bytes, &options).map_err(errors::format)?;
    Ok(FingerTemplate::new(decoded.template, Some(decoded.format)))
}

fn view_info<'py>(py: Python<'py>, v: &FingerView) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("finger_position", v.finger_position.0)?;
    d.set_item("view_number", v.view_number)?;
    d.set_item("finger_quality", v.finger_quality)?;
    d.set_item("width", v.width)?;
    d.set_item("height", v.height)?;
    d.set_item("x_ppi", v.resolution.x_ppi())?;
    d.set_item("y_ppi", v.resolution.y_ppi())?;
    d.set_item("minutia_count", v.minutiae.len())?;
    Ok(d)
}

#[pymethods]
impl FingerTemplate {
    /// Reads a template from bytes. `format` (`"iso2005"`, `"iso2011"`, `"ansi2004"`,
    /// `"ansi2009"`, `"ansi2009am1"`, `"xyt"`, `"xyt-m1"`, `"type9"`) is detected when `None`;
    /// `strict` rejects any deviation from the standard; `image_size` and `ppi` supply what
    /// xyt and Type-9 do not store.
    #[classmethod]
    #[pyo3(signature = (data, format = None, strict = false, image_size = None, ppi = None))]
    fn from_bytes(
        _cls: &Bound<'_, PyType>,
        data: &[u8],
        format: Option<&str>,
        strict: bool,
        image_size: Option<(u16, u16)>,
        ppi: Option<f32>,
    ) -> PyResult<FingerTemplate> {
        read_bytes(data, format, strict, image_size, ppi)
    }

    /// Reads a template file (arguments as for `from_bytes`).
    #[classmethod]
    #[pyo3(signature = (path, format = None, strict = false, image_size = None, ppi = None))]
    fn read(
        _cls: &Bound<'_, PyType>,
        path: std::path::PathBuf,
        format: Option<&str>,
        strict: bool,
        image_size: Option<(u16, u16)>,
        ppi: Option<f32>,
    ) -> PyResult<FingerTemplate> {
        let bytes =
            std::fs::read(&path).map_err(|e| errors::io(&path.display().to_string(), &e))?;
        read_bytes(&bytes, format, strict, image_size, ppi)
    }

    /// The template encoded in `format` (any format name but `"type9"`).
    fn to_bytes<'py>(&self, py: Python<'py>, format: &str) -> PyResult<Bound<'py, PyBytes>> {
        let f = format.parse::<Format>().map_err(errors::format)?;
        let bytes = formats::write(&self.template, f).map_err(errors::format)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the template to `path` in `format`.
    fn write(&self, path: std::path::PathBuf, format: &str) -> PyResult<()> {
        let f = format.parse::<Format>().map_err(errors::format)?;
        let bytes = formats::write(&self.template, f).map_err(errors::format)?;
        std::fs::write(&path, bytes).map_err(|e| errors::io(&path.display().to_string(), &e))
    }

    /// The format the template was read as, or `None` (extracted, synthetic).
    #[getter]
    fn format(&self) -> Option<&'static str> {
        self.format.map(Format::id)
    }

    /// One dict per view: finger_position, view_number, finger_quality, width, height,
    /// x_ppi, y_ppi, minutia_count.
    #[getter]
    fn views<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.template
            .views
            .iter()
            .map(|v| view_info(py, v))
            .collect()
    }

    /// The first view's finger quality (0..=100; the extractor's estimate for extracted
    /// templates); `None` when there is no view.
    #[getter]
    fn quality(&self) -> Option<u8> {
        self.template.first_view().map(|v| v.finger_quality)
    }

    /// Summary: format, view count and the views (as `views`).
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("format", self.format())?;
        d.set_item("view_count", self.template.views.len())?;
        d.set_item("views", self.views(py)?)?;
        Ok(d)
    }

    /// The minutiae of view `view` as float32 `[n, 4]`: x, y (pixels, origin top-left),
    /// angle (degrees, ISO direction), quality (-1 when not reported).
    #[pyo3(signature = (view = 0))]
    fn minutiae<'py>(&self, py: Python<'py>, view: usize) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let v = self.template.views.get(view).ok_or_else(|| {
            errors::invalid(format!(
                "view {view} requested, the template has {}",
                self.template.views.len()
            ))
        })?;
        let mut out = Array2::<f32>::zeros((v.minutiae.len(), 4));
        for (mut row, m) in out.axis_iter_mut(Axis(0)).zip(&v.minutiae) {
            row[0] = m.x;
            row[1] = m.y;
            row[2] = m.angle;
            row[3] = match m.quality {
                MinutiaQuality::Score(q) => f32::from(q),
                _ => -1.0,
            };
        }
        Ok(out.into_pyarray(py))
    }

    fn __len__(&self) -> usize {
        self.template.views.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "FingerTemplate(format={}, views={}, minutiae={:?})",
            self.format
                .map_or("None".to_string(), |f| format!("'{}'", f.id())),
            self.template.views.len(),
            self.template
                .views
                .iter()
                .map(|v| v.minutiae.len())
                .collect::<Vec<_>>()
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<FingerTemplate>()
            .is_ok_and(|o| o.get().template == self.template)
    }

    /// A template from `_state` output (pickle support; the internal JSON form).
    #[classmethod]
    #[pyo3(signature = (state, format = None))]
    fn _from_state(
        _cls: &Bound<'_, PyType>,
        state: &str,
        format: Option<&str>,
    ) -> PyResult<FingerTemplate> {
        let template: core_finger::FingerTemplate = serde_json::from_str(state)
            .map_err(|e| errors::invalid(format!("bad template state: {e}")))?;
        Ok(FingerTemplate::new(template, format_arg(format)?))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        let t = slf.get();
        let state = serde_json::to_string(&t.template)
            .map_err(|e| errors::invalid(format!("cannot serialise the template: {e}")))?;
        Ok((slf.get_type().getattr("_from_state")?, (state, t.format())))
    }
}

/// Extracts the minutiae of a fingerprint image: a 2-D uint8 array (rows of grey levels,
/// 0 black, any strides) scanned at `ppi`. Returns a one-view template whose `quality` is
/// the extractor's finger quality.
#[pyfunction]
#[pyo3(signature = (image, ppi = 500.0, threads = None))]
pub(crate) fn extract(
    py: Python<'_>,
    image: PyReadonlyArray2<'_, u8>,
    ppi: f32,
    threads: Option<usize>,
) -> PyResult<FingerTemplate> {
    let view = image.as_array();
    let (height, width) = view.dim();
    let limits = &extract_params().limits;
    if width == 0 || height == 0 {
        return Err(errors::extract(core_extract::ExtractError::Empty {
            width,
            height,
        }));
    }
    if width > limits.max_side || height > limits.max_side || width * height > limits.max_pixels {
        return Err(errors::extract(core_extract::ExtractError::TooLarge {
            width,
            height,
            max_side: limits.max_side,
            max_pixels: limits.max_pixels,
        }));
    }
    let template = threads::run(py, threads, move || -> PyResult<FingerTemplate> {
        // Row-major copy of a view of any strides (the extractor owns its raster).
        let pixels: Vec<u8> = view.iter().copied().collect();
        let raster = Raster::new(width, height, ppi, pixels)
            .map_err(|e| errors::error("ExtractionError", e.to_string()))?;
        let v = core_extract::extract(&raster, extract_params()).map_err(errors::extract)?;
        Ok(FingerTemplate::new(
            core_finger::FingerTemplate::single(v),
            None,
        ))
    })??;
    Ok(template)
}

/// The matcher's similarity of the first views of two templates (0 = no evidence; the
/// same value as `biomatch match` and the C API).
#[pyfunction]
pub(crate) fn finger_score(probe: &FingerTemplate, candidate: &FingerTemplate) -> PyResult<f32> {
    let p = probe.prepared("probe")?;
    let c = candidate.prepared("candidate")?;
    Ok(matcher().score(p, c, &mut matcher().scratch()))
}

/// `count` synthetic distractor fingers (numbers `start..start + count` of the generator
/// seeded with `seed`), fitted on the views of `real`: what the benchmarks fill large
/// galleries with.
#[pyfunction]
#[pyo3(signature = (real, count, seed = 0, start = 0, threads = None))]
pub(crate) fn synthetic_fingers(
    py: Python<'_>,
    real: Vec<PyRef<'_, FingerTemplate>>,
    count: usize,
    seed: u64,
    start: u64,
    threads: Option<usize>,
) -> PyResult<Vec<FingerTemplate>> {
    use rayon::prelude::*;
    const MAX_COUNT: usize = 100_000_000;
    if count > MAX_COUNT {
        return Err(errors::invalid(format!(
            "count {count} exceeds {MAX_COUNT}"
        )));
    }
    let views: Vec<FingerView> = real
        .iter()
        .flat_map(|t| t.template.views.iter().cloned())
        .collect();
    let model = SynthModel::fit(&views).map_err(|e| errors::invalid(e.to_string()))?;
    threads::run(py, threads, move || {
        (0..count as u64)
            .into_par_iter()
            .map(|i| {
                FingerTemplate::new(
                    core_finger::FingerTemplate::single(model.generate(seed, start + i)),
                    None,
                )
            })
            .collect()
    })
}
