//! JSON-pointer paths of the values being converted, kept on the stack: the path string is only
//! built when an issue is reported.

use rudder_group::pointer;

/// One segment of the path to the value being converted, kept on the stack: the path string is
/// only built when an issue is reported.
#[derive(Clone, Copy)]
pub(crate) enum Seg<'a> {
    /// An object key.
    Key(&'a str),
    /// An array index.
    Index(usize),
}

/// A path as a linked list of segments from the event object down.
#[derive(Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Option<Seg<'a>>,
}

impl<'a> Path<'a> {
    /// The event object itself (`""`).
    pub(crate) const ROOT: Path<'static> = Path {
        parent: None,
        seg: None,
    };

    /// A child of `self`.
    pub(crate) fn child(&'a self, seg: Seg<'a>) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Some(seg),
        }
    }

    /// The JSON pointer (RFC 6901).
    pub(crate) fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut node = Some(self);
        while let Some(p) = node {
            if let Some(s) = p.seg {
                segs.push(s);
            }
            node = p.parent;
        }
        let mut out = String::new();
        for s in segs.iter().rev() {
            match s {
                Seg::Key(k) => out = pointer(&out, k),
                Seg::Index(i) => {
                    out.push('/');
                    out.push_str(&i.to_string());
                }
            }
        }
        out
    }
}
