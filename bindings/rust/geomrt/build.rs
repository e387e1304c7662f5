//! Gives this crate's tests and examples the rpath that geomrt-sys found
//! (cargo passes link arguments of a dependency's build script on to nobody).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_GEOMRT_LIB_DIR");
    if let Some(dir) = std::env::var_os("DEP_GEOMRT_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.to_string_lossy());
    }
}
