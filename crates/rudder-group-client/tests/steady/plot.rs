//! A line plot as a PNG, with no dependency beyond flate2 (zlib and CRC-32): white canvas,
//! grey grid (ten divisions each way), one colored line per series. The axes' scales go in the
//! summary next to it.

use std::io::Write;

pub const WIDTH: usize = 900;
pub const HEIGHT: usize = 420;
const MARGIN: usize = 30;

pub struct Canvas {
    rgb: Vec<u8>,
}

impl Canvas {
    pub fn new() -> Canvas {
        let mut canvas = Canvas {
            rgb: vec![255; WIDTH * HEIGHT * 3],
        };
        for i in 0..=10 {
            let x = MARGIN + i * (WIDTH - 2 * MARGIN) / 10;
            let y = MARGIN + i * (HEIGHT - 2 * MARGIN) / 10;
            let shade = if i == 0 || i == 10 { 0 } else { 215 };
            for t in MARGIN..=HEIGHT - MARGIN {
                canvas.set(x, t, [shade; 3]);
            }
            for t in MARGIN..=WIDTH - MARGIN {
                canvas.set(t, y, [shade; 3]);
            }
        }
        canvas
    }

    fn set(&mut self, x: usize, y: usize, color: [u8; 3]) {
        if x < WIDTH && y < HEIGHT {
            let at = (y * WIDTH + x) * 3;
            self.rgb[at..at + 3].copy_from_slice(&color);
        }
    }

    /// Draws `points` (x and y each in 0.0..=1.0 of the plot area) joined by straight lines.
    pub fn line(&mut self, points: &[(f64, f64)], color: [u8; 3]) {
        let to_px = |(x, y): (f64, f64)| {
            let w = (WIDTH - 2 * MARGIN) as f64;
            let h = (HEIGHT - 2 * MARGIN) as f64;
            (
                MARGIN as f64 + x.clamp(0.0, 1.0) * w,
                (HEIGHT - MARGIN) as f64 - y.clamp(0.0, 1.0) * h,
            )
        };
        for pair in points.windows(2) {
            let (a, b) = (to_px(pair[0]), to_px(pair[1]));
            let steps =
                ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as usize).clamp(1, 4 * WIDTH);
            for s in 0..=steps {
                let t = s as f64 / steps as f64;
                let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
                for (dx, dy) in [(0, 0), (1, 0), (0, 1)] {
                    self.set(x as usize + dx, y as usize + dy, color);
                }
            }
        }
    }

    /// The image as PNG bytes: 8-bit RGB, no interlace, every row unfiltered.
    pub fn png(&self) -> Vec<u8> {
        let mut raw = Vec::with_capacity(HEIGHT * (WIDTH * 3 + 1));
        for row in self.rgb.chunks(WIDTH * 3) {
            raw.push(0);
            raw.extend_from_slice(row);
        }
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(&raw).expect("compress into memory");
        let idat = zlib.finish().expect("compress into memory");
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&(WIDTH as u32).to_be_bytes());
        ihdr.extend_from_slice(&(HEIGHT as u32).to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        for (kind, data) in [
            (b"IHDR", &ihdr[..]),
            (b"IDAT", &idat[..]),
            (b"IEND", &[][..]),
        ] {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut crc = flate2::Crc::new();
            crc.update(kind);
            crc.update(data);
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&crc.sum().to_be_bytes());
        }
        out
    }
}
