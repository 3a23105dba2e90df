//! Deterministic randomness and BCE-looking identifiers.
//!
//! The default world uses [`SplitMix64`] (defined here, so its ids never change with a
//! dependency upgrade); the generator uses `rand`'s `StdRng`. Both only go through
//! [`Draw`], which needs nothing but `next_u64`.

use rand::RngCore;

/// A tiny, stable PRNG (SplitMix64).
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    #[cfg(test)]
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// Seeded from a text (FNV-1a), so each named thing gets its own stream.
    pub(crate) fn from_text(text: &str) -> Self {
        SplitMix64(fnv1a(text))
    }
}

impl RngCore for SplitMix64 {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

fn fnv1a(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// 32 lower-case hex characters derived from a text (stable).
pub(crate) fn hex32(text: &str) -> String {
    SplitMix64::from_text(text).hex(32)
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOWER36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";

/// Draw helpers over any RNG, using only `next_u64` (stable across `rand` versions for
/// [`SplitMix64`]).
pub(crate) trait Draw: RngCore {
    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// An index into a slice of length `n`.
    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }
    /// One element.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// Characters drawn from an alphabet.
    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.index(alphabet.len())] as char)
            .collect()
    }
    /// Mixed-case letters and digits (instance ids `i-Y8e1x2Pq`).
    fn base62(&mut self, n: usize) -> String {
        self.chars(BASE62, n)
    }
    /// Lower-case letters and digits (security group ids `g-4nq8x2k7pz1b`).
    fn lower36(&mut self, n: usize) -> String {
        self.chars(LOWER36, n)
    }
    /// Lower-case hex.
    fn hex(&mut self, n: usize) -> String {
        self.chars(HEX, n)
    }
    /// A version-4-shaped UUID.
    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
    /// A MAC address in Baidu's `fa:26:00` range.
    fn mac(&mut self) -> String {
        let h = self.hex(6);
        format!("fa:26:00:{}:{}:{}", &h[0..2], &h[2..4], &h[4..6])
    }
}

impl<R: RngCore + ?Sized> Draw for R {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_ids() {
        // Pinned: the default world's ids must never change silently.
        assert_eq!(hex32("x"), hex32("x"));
        assert_ne!(hex32("x"), hex32("y"));
        let mut r = SplitMix64::new(1);
        assert_eq!(r.next_u64(), 0x910a_2dec_8902_5cc1);
        let u = SplitMix64::new(7).uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
