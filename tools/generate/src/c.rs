//! C and C++: `bindings/c/src/config_setters.rs` (one `rudder_client_config_set_*` per setting,
//! each through `c_setter!`, with a doc that states the table's default and range) and the
//! settings methods of C++'s `ClientConfig` (a marked region of `include/rudder_group.hpp`).

use crate::settings::{Kind, Lang, Setting, TABLE};
use crate::text::{comment, region, rustfmt, MARK};
use crate::{read, Output};

/// How a setter takes its value in C, and the `c_setter!` arm that reads it.
struct CArg {
    rust_type: &'static str,
    cpp_type: &'static str,
    arm: String,
}

fn c_arg(s: &Setting) -> CArg {
    match (s.kind, s.ty.as_str()) {
        (Kind::Count, "usize") => CArg {
            rust_type: "usize",
            cpp_type: "std::size_t",
            arm: "int".to_owned(),
        },
        (Kind::Count, _) => CArg {
            rust_type: "u32",
            cpp_type: "uint32_t",
            arm: "int".to_owned(),
        },
        (Kind::Duration, _) => CArg {
            rust_type: "u64",
            cpp_type: "std::chrono::milliseconds",
            arm: "int".to_owned(),
        },
        (Kind::Bool, _) => CArg {
            rust_type: "bool",
            cpp_type: "bool",
            arm: "bool".to_owned(),
        },
        (Kind::Choice, _) if s.c_bool => CArg {
            rust_type: "bool",
            cpp_type: "bool",
            arm: format!(
                "either {:?} or {:?}",
                s.choices[0].value, s.choices[1].value
            ),
        },
        (Kind::Text, _) if s.optional => CArg {
            rust_type: "*const c_char",
            cpp_type: "const std::optional<std::string> &",
            arm: "opt_str".to_owned(),
        },
        _ => CArg {
            rust_type: "*const c_char",
            cpp_type: "const std::string &",
            arm: "str".to_owned(),
        },
    }
}

/// What the setter accepts and its default, in C's terms.
fn c_terms(s: &Setting) -> String {
    let default = s.default_in(Lang::C).unwrap_or_default();
    match s.kind {
        Kind::Choice if s.c_bool => format!(
            "`true` is {:?}, `false` {:?}; the default is {default}.",
            s.choices[1].value, s.choices[0].value
        ),
        Kind::Text if s.optional => "NULL unsets it, the default; a string is copied.".to_owned(),
        Kind::Text | Kind::Choice => {
            format!(
                "Default {default}; accepts {}. The string is copied.",
                s.range(Lang::C)
            )
        }
        _ => format!("Default {default}; accepts {}.", s.range(Lang::C)),
    }
}

fn setters(settings: &[Setting]) -> Result<Output, String> {
    let mut s = format!(
        "// {MARK}\n// From {TABLE}.\n\n\
         //! The setters of `rudder_client_config`, one per client setting, each reading its value\n\
         //! through `Config::set` (`c_setter!`).\n\n\
         use crate::config::rudder_client_config;\nuse crate::status::rudder_status;\n\
         #[allow(unused_imports)]\nuse std::ffi::c_char;\n\n"
    );
    for set in settings.iter().filter(|x| x.has_c_setter()) {
        let name = set.name(Lang::C);
        let arg = c_arg(set);
        let doc = format!(
            "{}\n\n{} A value it does not accept is `RUDDER_INVALID_CONFIG` at once, naming the \
             setting; how the settings fit together is checked by `rudder_client_new`.",
            set.full_doc_in(Lang::C),
            c_terms(set)
        );
        s += &comment("/// ", &doc);
        s += &format!(
            "#[no_mangle]\npub extern \"C\" fn rudder_client_config_set_{name}(\n\
             config: *mut rudder_client_config,\n{name}: {},\n) -> rudder_status {{\n\
             c_setter!(config, {name:?}, {} {name})\n}}\n\n",
            arg.rust_type, arg.arm
        );
    }
    Ok(Output {
        path: "bindings/c/src/config_setters.rs",
        text: rustfmt(&s)?,
    })
}

const HPP: &str = "bindings/c/include/rudder_group.hpp";
const HPP_BEGIN: &str = "// BEGIN GENERATED: settings";
const HPP_END: &str = "// END GENERATED: settings";

fn cpp(settings: &[Setting]) -> Result<Output, String> {
    let mut body = format!("    // {MARK}\n");
    for set in settings.iter().filter(|x| x.has_c_setter()) {
        let arg = c_arg(set);
        let c = format!("rudder_client_config_set_{}", set.name(Lang::C));
        let doc = format!("{} {}", set.doc_in(Lang::C), c_terms(set))
            .replace("NULL unsets", "std::nullopt unsets");
        body += &comment("    /// ", &doc);
        let method = set.cpp_name();
        let call = match (set.kind, arg.arm.as_str()) {
            (Kind::Duration, _) => format!("return call({c}, detail::millis(value));"),
            (_, "opt_str") => format!(
                "detail::check({c}(ptr_.get(), value ? value->c_str() : nullptr));\n        return *this;"
            ),
            (_, "str") => {
                format!("detail::check({c}(ptr_.get(), value.c_str()));\n        return *this;")
            }
            _ => format!("return call({c}, value);"),
        };
        let param = if arg.cpp_type.ends_with('&') {
            format!("{}value", arg.cpp_type)
        } else {
            format!("{} value", arg.cpp_type)
        };
        body += &format!("    ClientConfig &{method}({param}) {{\n        {call}\n    }}\n");
    }
    let file = read(HPP)?;
    Ok(Output {
        path: HPP,
        text: region(HPP, &file, HPP_BEGIN, HPP_END, &body)?,
    })
}

pub(crate) fn generate(settings: &[Setting]) -> Result<Vec<Output>, String> {
    Ok(vec![setters(settings)?, cpp(settings)?])
}
