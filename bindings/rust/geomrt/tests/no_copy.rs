//! Large inputs are borrowed, not copied: by construction (the pointer geomrt reads is the
//! slice's own), by measurement (bytes the Rust side allocates during a call with a
//! 10^6-element input), and end to end (a method that reads strided data itself sees the
//! caller's strides, which a copy would have made contiguous).
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Instant;

use geomrt::{Runtime, Tensor};

/// Counts the bytes Rust code allocates on each thread (C++ allocations inside libgeomrt
/// and the plugins go to malloc directly and are not counted: they are the method's own).
struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size()));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocated() -> usize {
    ALLOCATED.with(Cell::get)
}

const N: usize = 1_000_000;

#[test]
fn a_million_f64_pass_to_wasserstein_1d_without_a_copy() {
    let mut rng = common::Rng::new(11);
    let xs: Vec<f64> = (0..N).map(|_| rng.normal()).collect();
    let xt: Vec<f64> = xs.iter().map(|v| v + 0.5).collect();
    let rt = Runtime::new().unwrap();

    let before = allocated();
    let t0 = Instant::now();
    let inputs = [("xs", Tensor::vector(&xs)), ("xt", Tensor::vector(&xt))];
    // By construction: the tensors point at the caller's memory.
    assert_eq!(inputs[0].1.as_ptr(), xs.as_ptr().cast());
    assert_eq!(inputs[1].1.as_ptr(), xt.as_ptr().cast());
    let out = rt.invoke("ot.wasserstein_1d", &inputs, &[]).unwrap();
    let cost = out.scalar("cost").unwrap();
    let elapsed = t0.elapsed();
    let rust_bytes = allocated() - before;
    drop(out);

    // W1 between a sample and its translate by 0.5 is 0.5.
    assert!((cost - 0.5).abs() < 1e-9, "cost {cost}");
    // Two 8 MB inputs; a copy of either would allocate 8,000,000 bytes here.
    let input_bytes = 2 * N * size_of::<f64>();
    eprintln!(
        "no-copy: inputs {input_bytes} bytes, Rust-side allocations during the call {rust_bytes} bytes, \
         invoke {:.1} ms (wasserstein_1d sorts both samples)",
        elapsed.as_secs_f64() * 1e3
    );
    assert!(rust_bytes < 4096, "the binding allocated {rust_bytes} bytes for {input_bytes} bytes of input");
}

#[test]
fn strided_input_reaches_a_strided_method_as_the_callers_memory() {
    let Some(dir) = common::test_plugin_dir() else {
        eprintln!("skipped: no test plugin (set GEOMRT_TEST_PLUGIN_DIR)");
        return;
    };
    let rt = Runtime::with_plugin_paths(&[dir]).unwrap();
    // A column-major 1000 x 1000 matrix: element (i, j) at i + 1000 j.
    let (r, c) = (1000usize, 1000usize);
    let data: Vec<f64> = (0..r * c).map(|k| (k % 7) as f64 - 3.0).collect();
    let before = allocated();
    let out = rt.invoke("test.strided", &[("x", Tensor::matrix_col_major(&data, r, c))], &[]).unwrap();
    let rust_bytes = allocated() - before;
    // test.strided (flag GEOMRT_IO_STRIDED) reports the strides it was handed: the caller's
    // (1, r), so the host passed the memory through instead of making a row-major copy.
    assert_eq!(out.tensor("strides").unwrap().as_i64().unwrap(), [1, r as i64]);
    // And it read the right elements through them: sum over (i, j) of (i c + j) x[i, j].
    let expected: f64 =
        (0..r).flat_map(|i| (0..c).map(move |j| (i, j))).map(|(i, j)| (i * c + j) as f64 * data[i + r * j]).sum();
    let weighted = out.scalar("weighted").unwrap();
    assert!((weighted - expected).abs() <= 1e-9 * expected.abs().max(1.0), "{weighted} vs {expected}");
    assert!(rust_bytes < 4096, "{rust_bytes} bytes");
}
