//! Skills-map files (`SkillsMap::to_json` output) from arbitrary text. A map
//! that loads must write back to JSON that loads to an equal map.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillsmap::graph::SkillsMap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(map) = SkillsMap::from_json(text) {
        let back = SkillsMap::from_json(&map.to_json()).expect("a written map reads back");
        assert!(back == map, "map changed on a JSON round trip");
    }
});
