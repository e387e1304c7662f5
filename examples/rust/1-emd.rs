//! Exact and entropic optimal transport between two small point clouds through the geomrt
//! Rust binding (the Rust twin of examples/c/1-emd.c).
//! Run: GEOMRT_LIB_DIR=<geomrt build>/lib cargo run --offline --bin emd
use geomrt::{Runtime, Tensor};

fn main() -> Result<(), geomrt::Error> {
    // Four points on the unit square and the same points shifted by (0.5, 0.25), row-major.
    let xs = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let xt = [0.5, 0.25, 1.5, 0.25, 0.5, 1.25, 1.5, 1.25];
    let a = [0.1, 0.2, 0.3, 0.4];
    let inputs = [
        ("xs", Tensor::matrix(&xs, 4, 2)), // borrowed, not copied
        ("xt", Tensor::matrix(&xt, 4, 2)),
        ("a", Tensor::vector(&a)),
        ("b", Tensor::vector(&a)),
    ];
    let rt = Runtime::new()?;

    let out = rt.invoke("ot.emd", &inputs, &[])?;
    let exact = out.scalar("cost")?;
    let plan = out.sparse("plan")?; // CSR view into the result, no copy
    println!(
        "exact OT cost (ot.emd):       {exact:.12}  ({} plan entries; expected 0.3125 = |(0.5,0.25)|^2)",
        plan.nnz()
    );

    let out = rt.invoke("ot.sinkhorn", &inputs, &[("reg", 0.01.into())])?;
    let entropic = out.scalar("cost")?;
    println!("entropic OT cost (ot.sinkhorn, reg=0.01): {entropic:.12}");

    // Errors come back as Err(geomrt::Error) with the runtime's message.
    let err = rt.invoke("ot.sinkhorn", &inputs, &[("reg", (-1.0).into())]).unwrap_err();
    println!("reg=-1 gives {}: {err}", err.code);

    let ok = (exact - 0.3125).abs() < 1e-4 && err.code == geomrt::ErrorCode::InvalidArgument;
    std::process::exit(if ok { 0 } else { 1 });
}
