//! The settings table is the one source of every setting's name, default and range: each
//! binding's README holds the table as `settings::markdown_table` renders it, and each binding's
//! typed entry points (Python stubs and facade, TypeScript options, C setters) name every setting.
//! A setting added to the table and forgotten anywhere fails here.

use rudder_group::Library;
use rudder_group_client::settings::{markdown_table, SETTINGS};
use std::path::PathBuf;

fn read(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn each_binding_readme_holds_the_table() {
    for (library, readme, tool) in [
        (Library::Python, "bindings/python/README.md", "python"),
        (Library::Node, "bindings/node/README.md", "node"),
        (Library::C, "bindings/c/README.md", "c"),
    ] {
        let table = markdown_table(library);
        assert!(
            read(readme).contains(&table),
            "{readme} does not hold the settings table; put this there \
             (`cargo run -p rudder-group-client --example settings_table -- {tool}`):\n{table}"
        );
    }
}

#[test]
fn python_stubs_and_facade_take_every_setting() {
    let stub = read("bindings/python/python/rudder_group/__init__.pyi");
    let facade = read("bindings/python/python/rudder_group/_client.py");
    for s in SETTINGS {
        let name = s.name(Library::Python);
        let (kw, doc) = match name {
            "write_key" | "data_plane_url" => (format!("        {name}: str,"), None),
            _ => (
                format!("        {name}: Optional["),
                Some(format!("``{name}`` {}", s.default_in(Library::Python))),
            ),
        };
        assert!(stub.contains(&kw), "__init__.pyi: Client({name}) missing");
        assert!(facade.contains(&kw), "_client.py: Client({name}) missing");
        if let Some(doc) = doc {
            assert!(
                stub.contains(&doc),
                "__init__.pyi: the doc of Client lacks {doc:?}"
            );
        }
    }
}

#[test]
fn typescript_options_name_every_setting_with_its_default() {
    let dts = read("bindings/node/lib/rudder-group.d.ts");
    for s in SETTINGS {
        let name = s.name(Library::Node);
        let leaf = name.rsplit('.').next().unwrap_or(name);
        let prop = dts
            .lines()
            .position(|l| {
                let t = l.trim_start();
                t.starts_with(&format!("{leaf}?: ")) || t.starts_with(&format!("{leaf}: "))
            })
            .unwrap_or_else(|| panic!("rudder-group.d.ts: no option {name}"));
        if matches!(name, "writeKey" | "dataPlaneUrl") {
            continue;
        }
        let doc = dts.lines().nth(prop - 1).unwrap_or_default();
        let default = format!("(default {})", s.default_in(Library::Node));
        assert!(
            doc.contains(&default),
            "rudder-group.d.ts: the doc of {name} lacks {default:?}: {doc}"
        );
    }
}

#[test]
fn the_c_header_has_a_setter_for_every_setting() {
    let header = read("bindings/c/include/rudder_group.h");
    for s in SETTINGS {
        if let Some(c) = s.c {
            let setter = format!("rudder_status rudder_client_config_set_{c}(");
            assert!(header.contains(&setter), "rudder_group.h: no {setter}");
        }
    }
}
