//! The gzip bomb: a stream of a few megabytes that inflates to about a
//! gigabyte of zeros, built by hand (repeated deflate matches, and the
//! CRC of the zeros computed without producing them).

/// 520,000 × 13 bytes ≈ 6.8 MB compressed, inflating to ~1.07 GB.
pub(super) const GZIP_BOMB_REPEATS: usize = 520_000;

/// A gzip member holding one fixed-Huffman deflate block that encodes a
/// literal zero followed by back-references of length 258 at distance 1,
/// i.e. a long run of zero bytes at 13 bits per 258 bytes.
///
/// The 3-byte prefix (block header, the literal, one match) leaves the bit
/// stream byte-aligned, so the rest is a 13-byte chunk (8 matches) repeated,
/// then the end-of-block code and the gzip trailer.
pub(super) struct GzipBomb {
    pub(super) prefix: Vec<u8>,
    pub(super) chunk: Vec<u8>,
    pub(super) repeats: usize,
    pub(super) suffix: Vec<u8>,
}

impl GzipBomb {
    pub(super) fn new(repeats: usize) -> GzipBomb {
        let mut prefix = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        let mut bits = BitWriter::default();
        bits.bits(1, 1); // BFINAL
        bits.bits(1, 2); // BTYPE = 01, fixed Huffman codes
        bits.code(0x30, 8); // literal 0x00
        bits.match_258_at_1();
        prefix.extend(bits.finish());

        let mut bits = BitWriter::default();
        for _ in 0..8 {
            bits.match_258_at_1();
        }
        let chunk = bits.finish();

        let inflated = 1 + 258 * (1 + 8 * repeats as u64);
        let mut bits = BitWriter::default();
        bits.code(0, 7); // end of block (symbol 256)
        let mut suffix = bits.finish();
        suffix.extend(crc32_of_zeros(inflated).to_le_bytes());
        suffix.extend((inflated as u32).to_le_bytes()); // ISIZE is mod 2^32
        GzipBomb {
            prefix,
            chunk,
            repeats,
            suffix,
        }
    }

    pub(super) fn len(&self) -> u64 {
        (self.prefix.len() + self.chunk.len() * self.repeats + self.suffix.len()) as u64
    }
}

/// Packs a deflate bit stream: fields LSB-first, Huffman codes MSB-first.
#[derive(Default)]
pub(super) struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    used: u32,
}

impl BitWriter {
    fn bits(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.acc |= ((value >> i) & 1) << self.used;
            self.used += 1;
            if self.used == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.used = 0;
            }
        }
    }

    fn code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.bits((code >> i) & 1, 1);
        }
    }

    /// Length 258 (symbol 285, 8-bit code 11000101) at distance 1
    /// (distance code 0, 5 bits), neither with extra bits.
    fn match_258_at_1(&mut self) {
        self.code(0xC5, 8);
        self.code(0, 5);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// CRC-32 (as gzip uses it) of `n` zero bytes, in O(log n): the register
/// update for a zero byte is linear over GF(2), so raise its 32×32 matrix
/// to the n-th power by squaring (the trick behind zlib's crc32_combine).
pub(super) fn crc32_of_zeros(mut n: u64) -> u32 {
    // Column i = image of register bit i after one zero bit.
    let mut op = [0u32; 32];
    op[0] = 0xEDB8_8320;
    for (i, column) in op.iter_mut().enumerate().skip(1) {
        *column = 1 << (i - 1);
    }
    for _ in 0..3 {
        op = gf2_square(&op); // 1 → 2 → 4 → 8 bits: one zero byte
    }
    let mut register = 0xFFFF_FFFF;
    while n > 0 {
        if n & 1 == 1 {
            register = gf2_times(&op, register);
        }
        op = gf2_square(&op);
        n >>= 1;
    }
    register ^ 0xFFFF_FFFF
}

pub(super) fn gf2_times(matrix: &[u32; 32], vector: u32) -> u32 {
    (0..32)
        .filter(|i| vector >> i & 1 == 1)
        .fold(0, |acc, i| acc ^ matrix[i])
}

pub(super) fn gf2_square(matrix: &[u32; 32]) -> [u32; 32] {
    let mut out = [0u32; 32];
    for (column, source) in out.iter_mut().zip(matrix) {
        *column = gf2_times(matrix, *source);
    }
    out
}
