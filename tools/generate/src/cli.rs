//! `rudder-group send`'s settings flags: `crates/rudder-group-cli/src/settings_args.rs`, a
//! `clap::Args` struct with one flag per setting that has a `cli` entry, each read through
//! `Config::set`; a cap tighter than the table's is checked while the command line is read,
//! with its reason in the flag's help.

use crate::rust::literal;
use crate::settings::{Kind, Lang, Scalar, Setting, TABLE};
use crate::text::{comment, rustfmt, MARK};
use crate::Output;

fn ident(flag: &str) -> String {
    flag.replace('-', "_")
}

fn value(scalar: &Scalar) -> String {
    match scalar {
        Scalar::Bool(b) => format!("Value::Bool({b})"),
        Scalar::Int(n) => format!("Value::Int({})", literal(*n)),
        Scalar::Str(s) => format!("Value::Str({s:?}.to_owned())"),
    }
}

pub(crate) fn generate(settings: &[Setting]) -> Result<Output, String> {
    let mut fields = String::new();
    let mut apply = String::new();
    let mut parsers = String::new();
    for s in settings {
        let Some(cli) = &s.cli else { continue };
        let field = ident(&cli.flag);
        let rust = &s.name;
        let doc = s.doc_in(Lang::Rust);
        if let Some(set) = &cli.set {
            let shown = match set {
                Scalar::Str(t) => format!("{t:?}"),
                Scalar::Bool(b) => b.to_string(),
                Scalar::Int(n) => n.to_string(),
            };
            let help = format!(
                "Sets `{rust}` to {shown} (default {}): {doc}",
                s.default_in(Lang::Rust).unwrap_or_default()
            );
            fields += &comment("    /// ", &help);
            fields += &format!(
                "    #[arg(long = {:?})]\n    pub {field}: bool,\n",
                cli.flag
            );
            apply += &format!(
                "if self.{field} {{\nconfig.set(Library::Rust, {rust:?}, &{})?;\n}}\n",
                value(set)
            );
            continue;
        }
        match s.kind {
            Kind::Count => {
                let max = cli.max.unwrap_or(s.max());
                let why = match (&cli.max, &cli.why) {
                    (Some(_), Some(why)) => format!(" (not the table's {}: {why})", s.max()),
                    _ => String::new(),
                };
                let help = format!(
                    "{doc} Default {}; from {} to {max}{why}.",
                    s.default_in(Lang::Rust).unwrap_or_default(),
                    s.min()
                );
                fields += &comment("    /// ", &help);
                fields += &format!(
                    "    #[arg(long = {:?}, value_name = \"N\", value_parser = {field})]\n    \
                     pub {field}: Option<u64>,\n",
                    cli.flag
                );
                parsers += &format!(
                    "/// `--{}`: a whole number from {} to {max}.\nfn {field}(s: &str) -> Result<u64, String> {{\n\
                     count(s, {}..={}).map(|n| n as u64)\n}}\n\n",
                    cli.flag,
                    s.min(),
                    literal(s.min()),
                    literal(max)
                );
                apply += &format!(
                    "if let Some(v) = self.{field} {{\nconfig.set(Library::Rust, {rust:?}, &Value::Int(v.into()))?;\n}}\n"
                );
            }
            Kind::Text => {
                fields += &comment("    /// ", &doc);
                fields += &format!(
                    "    #[arg(long = {:?}, value_name = {:?})]\n    pub {field}: Option<String>,\n",
                    cli.flag,
                    cli.value_name.as_deref().unwrap_or("TEXT")
                );
                apply += &format!(
                    "if let Some(v) = &self.{field} {{\nconfig.set(Library::Rust, {rust:?}, &Value::Str(v.clone()))?;\n}}\n"
                );
            }
            kind => {
                return Err(format!(
                    "{TABLE}: {}: a {kind:?} flag needs `set` (a switch)",
                    s.name
                ))
            }
        }
    }
    let source = format!(
        "// {MARK}\n// From {TABLE}.\n\n\
         //! The client settings that `rudder-group send` takes as flags, each read through\n\
         //! `Config::set`.\n\n\
         #[allow(unused_imports)]\nuse crate::ranges::count;\nuse rudder_group::Library;\n\
         use rudder_group_client::settings::Value;\nuse rudder_group_client::{{ClientError, Config}};\n\n\
         /// The settings flags of `send`.\n#[derive(Debug, clap::Args)]\npub struct SettingArgs {{\n{fields}}}\n\n\
         impl SettingArgs {{\n\
         /// Sets each setting given on the command line, through the settings table.\n\
         pub fn apply(&self, config: &mut Config) -> Result<(), ClientError> {{\n{apply}Ok(())\n}}\n}}\n\n\
         {parsers}"
    );
    Ok(Output {
        path: "crates/rudder-group-cli/src/settings_args.rs",
        text: rustfmt(&source)?,
    })
}
