//! Gives this crate's tests and examples the rpath that geomrt-sys found (cargo passes
//! the link arguments of a dependency's build script on to nobody), and tells the tests
//! where that library is (`GEOMRT_LINKED_LIB_DIR`, to find the build tree's CLI and
//! test plugins next to it).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_GEOMRT_LIB_DIR");
    if let Some(dir) = std::env::var_os("DEP_GEOMRT_LIB_DIR") {
        let dir = dir.to_string_lossy();
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        println!("cargo:rustc-env=GEOMRT_LINKED_LIB_DIR={dir}");
    }
}
