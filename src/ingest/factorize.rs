//! Factorisation of key columns (text, integer ids, dictionary codes):
//! distinct values in order of first appearance and one code per row, the
//! shape [`super::Categorical`] takes.
//!
//! Text works on Arrow's string layout (offsets into one UTF-8 buffer), so that
//! front ends holding Arrow data hand it over without building strings per
//! row. Chunks of rows are factorised in parallel and merged in order, so
//! the result does not depend on the thread count.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Errors of factorisation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FactorizeError {
    /// Offsets that do not describe slices of the data buffer.
    #[error("invalid string offsets at row {row}")]
    Offsets {
        /// The first row whose offsets are wrong.
        row: usize,
    },
    /// A value that is not UTF-8.
    #[error("row {row} is not valid UTF-8")]
    Utf8 {
        /// The row.
        row: usize,
    },
    /// A dictionary code past the end of its dictionary.
    #[error("row {row}: dictionary code {code} is not below the {n_labels} entries")]
    Code {
        /// The first row holding such a code.
        row: usize,
        /// The code.
        code: i64,
        /// Entries in the dictionary.
        n_labels: usize,
    },
}

/// Arrow string offsets, 32- or 64-bit.
pub trait Offset: Copy + Send + Sync {
    /// As a byte position, `None` if negative or too large.
    fn to_usize(self) -> Option<usize>;
}

impl Offset for i32 {
    fn to_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

impl Offset for i64 {
    fn to_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

const CHUNK: usize = 1 << 16;

/// Factorises `n = offsets.len() - 1` strings `data[offsets[i]..offsets[i+1]]`;
/// rows with `valid[i] == false` get code −1.
///
/// # Errors
/// [`FactorizeError`] for offsets outside the buffer or decreasing, or
/// values that are not UTF-8.
///
/// # Complexity
/// O(total bytes), parallel over chunks of rows.
pub fn factorize_utf8<O: Offset>(
    offsets: &[O],
    data: &[u8],
    valid: Option<&[bool]>,
) -> crate::Result<(Vec<i64>, Vec<String>)> {
    Ok(factorize(offsets, data, valid)?)
}

fn factorize<O: Offset>(
    offsets: &[O],
    data: &[u8],
    valid: Option<&[bool]>,
) -> Result<(Vec<i64>, Vec<String>), FactorizeError> {
    let n = offsets.len().saturating_sub(1);
    let value = |i: usize| -> Result<&[u8], FactorizeError> {
        let (a, b) = (
            offsets[i].to_usize(),
            offsets[i.saturating_add(1)].to_usize(),
        );
        match (a, b) {
            (Some(a), Some(b)) if a <= b && b <= data.len() => Ok(&data[a..b]),
            _ => Err(FactorizeError::Offsets { row: i }),
        }
    };
    let is_valid = |i: usize| valid.is_none_or(|v| v.get(i).copied().unwrap_or(false));
    let (codes, labels) = factorize_by(n, is_valid, value)?;
    let labels = labels
        .into_iter()
        .map(|b| std::str::from_utf8(b).map(str::to_owned))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|_| {
            // locate the first row holding an invalid value
            let bad = (0..n)
                .find(|&i| is_valid(i) && value(i).is_ok_and(|v| std::str::from_utf8(v).is_err()));
            FactorizeError::Utf8 {
                row: bad.unwrap_or(0),
            }
        })?;
    Ok((codes, labels))
}

/// Factorises integer ids (the usual respondent column): one code per row
/// (−1 where `valid[i] == false`) and the distinct values in order of first
/// appearance, as `pandas.factorize` gives them.
///
/// # Complexity
/// O(rows), parallel over chunks of rows; a run of equal values (a
/// respondent's answers on consecutive rows) costs no hash lookup.
pub fn factorize_i64(values: &[i64], valid: Option<&[bool]>) -> (Vec<i64>, Vec<i64>) {
    factorize_ints(values, valid)
}

/// As [`factorize_i64`], with 32-bit codes (half the memory, and what the
/// core reads in place); `None` for more than `i32::MAX` rows, whose codes
/// might not fit.
pub fn factorize_i64_i32(values: &[i64], valid: Option<&[bool]>) -> Option<(Vec<i32>, Vec<i64>)> {
    (i32::try_from(values.len()).is_ok()).then(|| factorize_ints(values, valid))
}

/// An integer type codes are written in.
trait CodeInt: Copy + Send + Sync {
    const MISSING: Self;
    /// `u` as a code; callers keep `u` below the number of rows, which fits.
    fn of(u: usize) -> Self;
    /// The code as an index; `None` for the missing code.
    fn index(self) -> Option<usize>;
}

impl CodeInt for i32 {
    const MISSING: Self = -1;
    #[inline]
    fn of(u: usize) -> Self {
        u as i32
    }
    #[inline]
    fn index(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

impl CodeInt for i64 {
    const MISSING: Self = -1;
    #[inline]
    fn of(u: usize) -> Self {
        u as i64
    }
    #[inline]
    fn index(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

/// The integer factoriser: chunks in parallel, each with its own table
/// (a run of equal values skips the look-up), merged in chunk order, then
/// each chunk renumbered; the first chunk's numbering is the global one's
/// start, so it needs no renumbering. Codes fit `C` when the rows do.
fn factorize_ints<C: CodeInt>(values: &[i64], valid: Option<&[bool]>) -> (Vec<C>, Vec<i64>) {
    let n = values.len();
    let mut codes: Vec<C> = vec![C::MISSING; n];
    let locals: Vec<Vec<i64>> = codes
        .par_chunks_mut(CHUNK)
        .zip(values.par_chunks(CHUNK))
        .enumerate()
        .map(|(c, (out, vals))| {
            let lo = c.saturating_mul(CHUNK);
            let mut map: FxHashMap<i64, usize> = FxHashMap::default();
            let mut uniq: Vec<i64> = Vec::new();
            let mut look_up = |v: i64| -> C {
                C::of(*map.entry(v).or_insert_with(|| {
                    uniq.push(v);
                    uniq.len().saturating_sub(1)
                }))
            };
            match valid.map(|m| m.get(lo..).unwrap_or_default()) {
                None => {
                    let mut prev: Option<(i64, C)> = None;
                    for (o, &v) in out.iter_mut().zip(vals) {
                        let code = match prev {
                            Some((p, code)) if p == v => code,
                            _ => look_up(v),
                        };
                        prev = Some((v, code));
                        *o = code;
                    }
                }
                Some(mask) => {
                    // rows past the end of the mask stay missing
                    let mut prev: Option<(i64, C)> = None;
                    for ((o, &v), &ok) in out.iter_mut().zip(vals).zip(mask) {
                        if !ok {
                            continue;
                        }
                        let code = match prev {
                            Some((p, code)) if p == v => code,
                            _ => look_up(v),
                        };
                        prev = Some((v, code));
                        *o = code;
                    }
                }
            }
            uniq
        })
        .collect();
    // chunk order decides the global order of first appearance
    let most = locals
        .iter()
        .map(Vec::len)
        .fold(0usize, usize::saturating_add);
    let mut global: FxHashMap<i64, usize> =
        FxHashMap::with_capacity_and_hasher(most, Default::default());
    let mut uniques: Vec<i64> = Vec::with_capacity(most);
    let remaps: Vec<Vec<C>> = locals
        .iter()
        .map(|uniq| {
            uniq.iter()
                .map(|&v| {
                    C::of(*global.entry(v).or_insert_with(|| {
                        uniques.push(v);
                        uniques.len().saturating_sub(1)
                    }))
                })
                .collect()
        })
        .collect();
    codes
        .par_chunks_mut(CHUNK)
        .zip(remaps.par_iter())
        .skip(1)
        .for_each(|(out, remap)| {
            for o in out.iter_mut() {
                if let Some(&g) = o.index().and_then(|i| remap.get(i)) {
                    *o = g;
                }
            }
        });
    (codes, uniques)
}

/// Codes in order of first appearance of `n` values `value(i)` (−1 where
/// not `is_valid(i)`), and the distinct values in that order, or an error
/// of `value`. Chunks are factorised in parallel and merged in chunk order,
/// so the result does not depend on the thread count.
fn factorize_by<K, E, V, F>(n: usize, is_valid: V, value: F) -> Result<(Vec<i64>, Vec<K>), E>
where
    K: Copy + Eq + std::hash::Hash + Send + Sync,
    E: Send,
    V: Fn(usize) -> bool + Sync,
    F: Fn(usize) -> Result<K, E> + Sync,
{
    // 1. each chunk writes its local codes into its part of the output and
    //    returns its uniques in order of appearance
    let mut codes = vec![-1i64; n];
    let locals: Vec<Vec<K>> = codes
        .par_chunks_mut(CHUNK)
        .enumerate()
        .map(|(c, out)| {
            let lo = c.saturating_mul(CHUNK);
            let mut map: FxHashMap<K, i64> = FxHashMap::default();
            let mut uniq: Vec<K> = Vec::new();
            // Survey exports repeat a respondent's keys on consecutive rows:
            // a run of equal values skips the hash lookup.
            let mut prev: Option<(K, i64)> = None;
            for (k, o) in out.iter_mut().enumerate() {
                let i = lo.saturating_add(k);
                if !is_valid(i) {
                    continue;
                }
                let v = value(i)?;
                let code = match prev {
                    Some((p, c)) if p == v => c,
                    _ => *map.entry(v).or_insert_with(|| {
                        uniq.push(v);
                        uniq.len().saturating_sub(1) as i64
                    }),
                };
                prev = Some((v, code));
                *o = code;
            }
            Ok(uniq)
        })
        .collect::<Result<_, E>>()?;
    // 2. merge uniques in chunk order: global order of first appearance
    let mut global: FxHashMap<K, i64> = FxHashMap::default();
    let mut labels: Vec<K> = Vec::new();
    let remaps: Vec<Vec<i64>> = locals
        .iter()
        .map(|uniq| {
            uniq.iter()
                .map(|&v| {
                    *global.entry(v).or_insert_with(|| {
                        labels.push(v);
                        labels.len().saturating_sub(1) as i64
                    })
                })
                .collect()
        })
        .collect();
    // 3. remap codes in place, in parallel
    codes
        .par_chunks_mut(CHUNK)
        .zip(remaps.par_iter())
        .for_each(|(out, remap)| {
            for o in out.iter_mut() {
                if *o >= 0 {
                    *o = remap[*o as usize];
                }
            }
        });
    Ok((codes, labels))
}

/// Renumbers the codes of a dictionary-encoded column (a pandas
/// `Categorical`, an Arrow dictionary array; codes of any signed width) in
/// order of first appearance,
/// the order [`factorize_utf8`] gives text: returns the new codes (−1 for
/// missing, i.e. any negative code) and, for each new code, the dictionary
/// entry it stands for. Entries no row uses are left out.
///
/// # Errors
/// [`FactorizeError::Code`] naming the first row whose code is not below
/// `n_labels` (a malformed dictionary array).
///
/// # Complexity
/// O(rows + `n_labels`), no hashing; the rows are mapped in parallel.
pub fn first_appearance<C>(codes: &[C], n_labels: usize) -> crate::Result<(Vec<i64>, Vec<usize>)>
where
    C: Copy + Into<i64> + Sync,
{
    // 1. the order of first appearance; a dictionary is small and its
    //    entries usually all appear early, so the scan stops once every
    //    entry has been seen
    const UNSEEN: i64 = -1;
    let mut new_code = vec![UNSEEN; n_labels];
    let mut order: Vec<usize> = Vec::new();
    for &c in codes {
        if order.len() == n_labels {
            break;
        }
        let c: i64 = c.into();
        if let Some(slot) = usize::try_from(c).ok().and_then(|c| new_code.get_mut(c)) {
            if *slot == UNSEEN {
                *slot = order.len() as i64;
                order.push(c as usize);
            }
        }
    }
    // 2. every row through the table, in parallel: negative codes to −1,
    //    codes past the dictionary to a sentinel found afterwards
    const PAST: i64 = i64::MIN;
    let table: Vec<i64> = new_code.iter().copied().chain([PAST]).collect();
    let mut out = vec![0i64; codes.len()];
    out.par_chunks_mut(CHUNK)
        .zip(codes.par_chunks(CHUNK))
        .for_each(|(out, codes)| {
            for (o, &c) in out.iter_mut().zip(codes) {
                let c: i64 = c.into();
                let at = (c as u64).min(n_labels as u64) as usize;
                let mapped = table.get(at).copied().unwrap_or(PAST);
                *o = if c < 0 { -1 } else { mapped };
            }
        });
    if let Some(row) = out.iter().position(|&c| c == PAST) {
        return Err(FactorizeError::Code {
            row,
            code: codes[row].into(),
            n_labels,
        }
        .into());
    }
    Ok((out, order))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_codes_renumbered_by_first_appearance() {
        let (codes, order) = first_appearance(&[2, 2, -1, 0, 2, 0, -3], 4).unwrap();
        assert_eq!(codes, vec![0, 0, -1, 1, 0, 1, -1]);
        assert_eq!(order, vec![2, 0]);
        let err = first_appearance(&[0, 4], 4).unwrap_err().to_string();
        assert!(err.contains("row 1: dictionary code 4"), "{err}");
        assert_eq!(first_appearance::<i64>(&[], 0).unwrap(), (vec![], vec![]));
        // pandas keeps small dictionaries as int8 codes
        let narrow: Vec<i8> = vec![2, 2, -1, 0, 2, 0, -3];
        assert_eq!(first_appearance(&narrow, 4).unwrap().0, codes);
    }

    #[test]
    fn dictionary_codes_across_chunks_and_a_bad_code_after_every_entry_is_seen() {
        let n_labels = 40;
        let mut codes: Vec<i64> = (0..300_000i64)
            .map(|i| match i % 11 {
                0 => -1,
                _ => (i * 7) % 37 + (i / 290_000) * 3, // entries 37..40 late
            })
            .collect();
        let naive = |codes: &[i64]| {
            let mut seen = std::collections::HashMap::new();
            let mut order = Vec::new();
            let out: Vec<i64> = codes
                .iter()
                .map(|&c| {
                    if c < 0 {
                        return -1;
                    }
                    *seen.entry(c).or_insert_with(|| {
                        order.push(c as usize);
                        order.len() as i64 - 1
                    })
                })
                .collect();
            (out, order)
        };
        assert_eq!(first_appearance(&codes, n_labels).unwrap(), naive(&codes));
        codes[299_000] = n_labels as i64;
        let err = first_appearance(&codes, n_labels).unwrap_err().to_string();
        assert!(err.contains("row 299000: dictionary code 40"), "{err}");
    }

    fn arrow(values: &[Option<&str>]) -> (Vec<i32>, Vec<u8>, Vec<bool>) {
        let mut offsets = vec![0i32];
        let mut data = Vec::new();
        let mut valid = Vec::new();
        for v in values {
            data.extend_from_slice(v.unwrap_or("").as_bytes());
            offsets.push(data.len() as i32);
            valid.push(v.is_some());
        }
        (offsets, data, valid)
    }

    #[test]
    fn first_appearance_order_and_missing() {
        let (o, d, v) = arrow(&[Some("b"), Some("a"), None, Some("b"), Some("")]);
        let (codes, labels) = factorize_utf8(&o, &d, Some(&v)).unwrap();
        assert_eq!(codes, vec![0, 1, -1, 0, 2]);
        assert_eq!(labels, vec!["b", "a", ""]);
    }

    #[test]
    fn many_chunks_merge_in_order() {
        let vals: Vec<String> = (0..200_000)
            .map(|i| format!("k{}", (i * 7919) % 1000))
            .collect();
        let refs: Vec<Option<&str>> = vals.iter().map(|s| Some(s.as_str())).collect();
        let (o, d, _) = arrow(&refs);
        let (codes, labels) = factorize_utf8(&o, &d, None).unwrap();
        for (i, s) in vals.iter().enumerate() {
            assert_eq!(&labels[codes[i] as usize], s);
        }
        // order of first appearance
        let mut seen = std::collections::HashSet::new();
        let firsts: Vec<&String> = vals.iter().filter(|s| seen.insert(s.as_str())).collect();
        assert_eq!(labels.iter().collect::<Vec<_>>(), firsts);
    }

    #[test]
    fn integer_ids_in_order_of_first_appearance_across_chunks() {
        // runs of equal ids (one respondent's rows), ids that come back
        // later and in other chunks, missing rows, extreme values
        let vals: Vec<i64> = (0..200_000i64)
            .map(|i| match i % 97 {
                0 => i64::MIN,
                1 => i64::MAX,
                _ => ((i / 32) * 7919) % 5003 - 2500,
            })
            .collect();
        let valid: Vec<bool> = (0..vals.len()).map(|i| i % 13 != 5).collect();
        let (codes, uniques) = factorize_i64(&vals, Some(&valid));
        let mut seen = std::collections::HashMap::new();
        let mut firsts = Vec::new();
        for (i, &v) in vals.iter().enumerate() {
            if !valid[i] {
                assert_eq!(codes[i], -1);
                continue;
            }
            let code = *seen.entry(v).or_insert_with(|| {
                firsts.push(v);
                firsts.len() as i64 - 1
            });
            assert_eq!(codes[i], code, "row {i}");
        }
        assert_eq!(uniques, firsts);
        assert_eq!(factorize_i64(&[], None), (vec![], vec![]));
        // the same with 32-bit codes, with and without a mask
        for mask in [Some(valid.as_slice()), None] {
            let (wide, u64s) = factorize_i64(&vals, mask);
            let (narrow, u32s) = factorize_i64_i32(&vals, mask).unwrap();
            assert_eq!(u32s, u64s);
            assert!(narrow.iter().zip(&wide).all(|(&a, &b)| i64::from(a) == b));
            assert_eq!(narrow.len(), wide.len());
        }
        // a mask shorter than the values: the rows past it are missing
        let (codes, _) = factorize_i64_i32(&vals, Some(&valid[..70_000])).unwrap();
        assert!(codes[70_000..].iter().all(|&c| c == -1));
        assert_eq!(
            codes[..70_000],
            factorize_i64(&vals[..70_000], Some(&valid[..70_000]))
                .0
                .iter()
                .map(|&c| c as i32)
                .collect::<Vec<_>>()[..]
        );
    }

    #[test]
    fn bad_offsets_and_utf8_are_errors() {
        assert!(factorize_utf8(&[0i32, 5], b"abc", None).is_err());
        assert!(factorize_utf8(&[0i64, 2], &[0xff, 0xfe], None).is_err());
    }
}
