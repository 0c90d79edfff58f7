//! The settings table is the one source of every setting's name, default and range; the READMEs'
//! tables, the C setters and C++'s methods are generated from it (`make generate`). The typed
//! entry points still written by hand (Python's `Client.__init__`, TypeScript options) are held
//! to it here.

use rudder_group::Library;
use rudder_group_client::settings::SETTINGS;
use std::path::PathBuf;

fn read(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The facade's `Client.__init__` is the one typed signature of Python's settings (stubs and
/// `help()` read it): a keyword per setting, and its default in the docstring.
#[test]
fn python_client_init_takes_and_documents_every_setting() {
    let facade = read("bindings/python/python/rudder_group/_client.py");
    let start = facade
        .find("    def __init__(\n        self,\n        write_key: str,")
        .expect("_client.py: Client.__init__ not found");
    let init = &facade[start..];
    let init = &init[..init.find("\n    def ").unwrap_or(init.len())];
    let (signature, doc) = init
        .split_once(") -> None:")
        .expect("_client.py: Client.__init__ has no return annotation");
    for s in SETTINGS {
        let name = s.name(Library::Python);
        if matches!(name, "write_key" | "data_plane_url") {
            assert!(
                signature.contains(&format!("        {name}: str,")),
                "_client.py: Client.__init__({name}) missing"
            );
            continue;
        }
        assert!(
            signature.contains(&format!("        {name}: Optional[")),
            "_client.py: Client.__init__({name}) missing"
        );
        let default = format!("``{name}`` {}", s.default_in(Library::Python));
        assert!(
            doc.contains(&default),
            "_client.py: the docstring of Client.__init__ lacks {default:?}"
        );
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
