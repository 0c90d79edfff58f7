//! Gives the shared library a versioned soname, so installs can keep several ABIs side by side.
//! An ABI break bumps the major version (the minor one while the version is 0.x).

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_else(|_| "0".into());
    let abi = if major == "0" {
        format!("0.{minor}")
    } else {
        major
    };
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" || target_os == "freebsd" || target_os == "android" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,librudder_group.so.{abi}");
    }
    println!("cargo:rustc-env=RUDDER_GROUP_ABI={abi}");
    println!("cargo:rerun-if-changed=build.rs");
}
