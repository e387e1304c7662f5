// Run the binary without LD_LIBRARY_PATH: embed the directory where geomrt-sys found libgeomrt.
fn main() {
    if let Some(dir) = std::env::var_os("DEP_GEOMRT_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.to_string_lossy());
    }
}
