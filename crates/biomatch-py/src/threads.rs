//! `threads=`: each long call runs in a rayon pool of the requested size.
//!
//! Ray sets `OMP_NUM_THREADS` for an actor but not rayon's thread count, so several actors on
//! one node would each start a pool as large as the machine. Pools are built once per size
//! and shared by every object of this process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// Most threads one call may ask for.
const MAX_THREADS: usize = 1024;

fn pools() -> &'static Mutex<HashMap<usize, Arc<rayon::ThreadPool>>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    POOLS.get_or_init(Default::default)
}

/// The pool for `threads` (`None`: rayon's global pool, one thread per core).
fn pool(threads: Option<usize>) -> PyResult<Option<Arc<rayon::ThreadPool>>> {
    let Some(n) = threads else {
        return Ok(None);
    };
    if n == 0 || n > MAX_THREADS {
        return Err(PyValueError::new_err(format!(
            "threads={n}: expected 1 to {MAX_THREADS}, or None for one per core"
        )));
    }
    let mut map = pools().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = map.get(&n) {
        return Ok(Some(p.clone()));
    }
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(move |i| format!("biomatch-{n}-{i}"))
        .build()
        .map_err(|e| PyValueError::new_err(format!("cannot start {n} threads: {e}")))?;
    let p = Arc::new(built);
    map.insert(n, p.clone());
    Ok(Some(p))
}

/// Runs `f` without the GIL, in the pool of `threads` threads.
pub(crate) fn run<R, F>(py: Python<'_>, threads: Option<usize>, f: F) -> PyResult<R>
where
    R: Send,
    F: FnOnce() -> R + Send,
{
    let pool = pool(threads)?;
    Ok(py.detach(move || match pool {
        Some(p) => p.install(f),
        None => f(),
    }))
}

/// Threads a call uses when given `threads=None` (rayon's global pool size).
#[pyfunction]
pub(crate) fn default_threads() -> usize {
    rayon::current_num_threads()
}
