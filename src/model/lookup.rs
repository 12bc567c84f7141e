//! Name lookup shared by frameworks, typologies and region sets: survey
//! exports spell the same entity by id, label or alias, in any case, with
//! stray spaces and composed or decomposed accents, so lookups go through
//! one normalisation.

use std::borrow::Cow;
use std::collections::HashMap;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Normalises a name for lookup: Unicode NFC, trims, collapses inner
/// whitespace and lower-cases (Unicode-aware).
pub fn normalise_key(s: &str) -> String {
    let s = nfc(s);
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// `s` in Unicode Normalization Form C, borrowed when it already is (the
/// common case, checked in one pass without allocating).
pub fn nfc(s: &str) -> Cow<'_, str> {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.nfc().collect()),
    }
}

/// Maps normalised names to entity positions. A name claimed by two different
/// entities is ambiguous and resolves to nothing, except ids, which win over
/// labels and aliases.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameIndex {
    map: HashMap<String, Option<usize>>,
    ids: HashMap<String, usize>,
}

impl NameIndex {
    pub(crate) fn insert_id(&mut self, id: &str, pos: usize) {
        self.ids.insert(id.to_owned(), pos);
        self.ids.entry(normalise_key(id)).or_insert(pos);
    }

    pub(crate) fn insert_name(&mut self, name: &str, pos: usize) {
        let key = normalise_key(name);
        if key.is_empty() {
            return;
        }
        match self.map.get(&key) {
            Some(Some(p)) if *p != pos => {
                self.map.insert(key, None);
            }
            Some(_) => {}
            None => {
                self.map.insert(key, Some(pos));
            }
        }
    }

    /// Whether `id` was inserted verbatim as an id.
    pub(crate) fn get_exact_id(&self, id: &str) -> bool {
        self.ids.contains_key(id)
    }

    pub(crate) fn get(&self, name: &str) -> Option<usize> {
        if let Some(p) = self.ids.get(name) {
            return Some(*p);
        }
        let key = normalise_key(name);
        if let Some(p) = self.ids.get(&key) {
            return Some(*p);
        }
        self.map.get(&key).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_spaces() {
        assert_eq!(normalise_key("  Región   de MURCIA "), "región de murcia");
    }

    #[test]
    fn decomposed_and_composed_accents_are_one_key() {
        // "ó" as U+00F3, and as "o" + U+0301 COMBINING ACUTE ACCENT (macOS)
        let composed = "Regi\u{f3}n de Murcia";
        let decomposed = "Regio\u{301}n de Murcia";
        assert_ne!(composed, decomposed);
        assert_eq!(normalise_key(decomposed), normalise_key(composed));
        assert_eq!(nfc(decomposed), composed);
        assert!(matches!(nfc(composed), Cow::Borrowed(_)));
        let mut idx = NameIndex::default();
        idx.insert_name("Na\u{10d}ela", 0); // Načela, composed
        assert_eq!(idx.get("Nac\u{30c}ela"), Some(0));
    }

    #[test]
    fn ambiguous_names_resolve_to_nothing_but_ids_win() {
        let mut idx = NameIndex::default();
        idx.insert_id("a", 0);
        idx.insert_id("b", 1);
        idx.insert_name("Same", 0);
        idx.insert_name("same", 1);
        idx.insert_name("a", 1);
        assert_eq!(idx.get("SAME"), None);
        assert_eq!(idx.get("a"), Some(0));
        assert_eq!(idx.get(" B "), Some(1));
    }
}
