//! `biomatch demo` (the README's main job) end to end: its five decisions are the ones the
//! scenarios call for, and each follows the decision rule the demo states from the fused FMR it
//! prints. Lines are found by their text (scenario titles, decision words), not by position,
//! so scenarios added to the demo do not break the test.

use std::process::Command;

/// The decision line following the scenario whose title contains `title`, and the fused FMR
/// printed on the first candidate line after it.
fn decision<'a>(lines: &[&'a str], title: &str) -> (&'a str, f64) {
    let start = lines
        .iter()
        .position(|l| l.contains(title) && l.split_once(". ").is_some())
        .unwrap_or_else(|| panic!("no scenario titled {title:?}"));
    let rest = &lines[start + 1..];
    let d = rest
        .iter()
        .map(|l| l.trim())
        .find(|l| {
            l.starts_with("passport ") || l.starts_with("WATCHLIST HIT") || l.starts_with("NO HIT")
        })
        .unwrap_or_else(|| panic!("no decision after {title:?}"));
    let fmr = rest
        .iter()
        .find_map(|l| {
            let after = l.split_once("fused FMR ")?.1;
            after.split_whitespace().next()?.parse::<f64>().ok()
        })
        .unwrap_or_else(|| panic!("no fused FMR after {title:?}"));
    (d, fmr)
}

/// A threshold stated in the demo's decision-rule line, e.g. "accept when fused FMR <= 1e-4".
fn stated_threshold(text: &str, rule: &str) -> f64 {
    let after = text
        .split_once(rule)
        .unwrap_or_else(|| panic!("no rule {rule:?} in the output"))
        .1;
    after
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == ';')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("unreadable threshold after {rule:?}"))
}

#[test]
fn demo_makes_its_five_decisions() {
    let run = Command::new(env!("CARGO_BIN_EXE_biomatch"))
        .arg("demo")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let accept = stated_threshold(&text, "1:1 accept when fused FMR <=");
    let hit = stated_threshold(&text, "1:N hit when fused FMR <=");
    assert!(accept > 0.0 && hit > 0.0, "{text}");

    let (d, fmr) = decision(&lines, "Genuine traveller: P-001");
    assert!(d.starts_with("passport P-001: ACCEPT"), "{d}\n{text}");
    assert!(fmr <= accept, "accepted at fused FMR {fmr} above {accept}");

    let (d, fmr) = decision(&lines, "Impostor: P-003 travels on P-002's passport");
    assert!(d.starts_with("passport P-002: REJECT"), "{d}\n{text}");
    assert!(fmr > accept, "rejected at fused FMR {fmr} within {accept}");

    let (d, fmr) = decision(&lines, "enrolled traveller P-002");
    assert!(d.starts_with("WATCHLIST HIT P-002"), "{d}\n{text}");
    assert!(fmr <= hit, "hit at fused FMR {fmr} above {hit}");
    // The hit shows why P-002 is listed and what the officer must do.
    let after = text.split_once("WATCHLIST HIT P-002").unwrap().1;
    let rec = after.lines().nth(1).unwrap().trim();
    assert!(
        rec.starts_with("record: [wanted] INTERPOL red notice 2026/12345: stop at the gate"),
        "{rec}"
    );

    // P-003's entry expired: no hit, and P-003 is not even a candidate.
    let (d, _) = decision(&lines, "P-003 whose stolen-document entry expired");
    assert!(d.starts_with("NO HIT"), "{d}\n{text}");
    let scenario = text.split_once("7. Watchlist search, P-003").unwrap().1;
    let scenario = scenario.split_once("retention:").unwrap().0;
    assert!(!scenario.contains("P-003:"), "{scenario}");
    assert!(text.contains("retention: purged the expired entries (P-003); 3 subjects left"));

    let (d, fmr) = decision(&lines, "traveller not enrolled");
    assert!(d.starts_with("NO HIT"), "{d}\n{text}");
    assert!(
        fmr > hit,
        "no hit although the best fused FMR {fmr} is within {hit}"
    );

    let (d, fmr) = decision(&lines, "by finger only");
    assert!(d.starts_with("WATCHLIST HIT P-001"), "{d}\n{text}");
    assert!(fmr <= hit, "hit at fused FMR {fmr} above {hit}");
}

#[test]
fn demo_asks_for_a_recapture_then_accepts_the_second_touch() {
    let run = Command::new(env!("CARGO_BIN_EXE_biomatch"))
        .arg("demo")
        .output()
        .unwrap();
    assert!(run.status.success());
    let text = String::from_utf8(run.stdout).unwrap();
    let start = text.find("6. Capture at the glass").expect("scenario 6");
    let rest = &text[start..];
    let threshold: u8 = rest
        .split_once("below quality ")
        .and_then(|(_, a)| a.split_whitespace().next()?.parse().ok())
        .expect("the recapture threshold");
    let quality = |line: &str| -> u8 {
        line.split_once("quality ")
            .and_then(|(_, a)| a.split_whitespace().next()?.parse().ok())
            .expect("a quality score")
    };
    let first = rest.lines().find(|l| l.contains("first touch")).unwrap();
    let second = rest.lines().find(|l| l.contains("second touch")).unwrap();
    // The smudged touch is refused for its score, the clean one kept, as the rule says.
    assert!(
        first.contains("RECAPTURE") && quality(first) < threshold,
        "{first}"
    );
    assert!(
        second.contains("kept") && quality(second) >= threshold,
        "{second}"
    );
    assert!(quality(second) > quality(first));
    let decision = rest
        .lines()
        .find(|l| l.trim().starts_with("passport P-001"))
        .unwrap();
    assert!(decision.contains("ACCEPT"), "{decision}");
}

#[test]
fn demo_verifies_its_audit_log() {
    let run = Command::new(env!("CARGO_BIN_EXE_biomatch"))
        .arg("demo")
        .output()
        .unwrap();
    assert!(run.status.success());
    let text = String::from_utf8(run.stdout).unwrap();
    // One entry per decision printed (ACCEPT/REJECT, HIT/NO HIT lines), and the purge.
    let decisions = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("passport ") || l.starts_with("WATCHLIST HIT") || l.starts_with("NO HIT")
        })
        .count();
    let line = text
        .lines()
        .find(|l| l.starts_with("audit log: "))
        .expect("an audit line");
    let purges = text
        .lines()
        .filter(|l| l.starts_with("retention: purged"))
        .count();
    assert_eq!(purges, 1);
    assert!(
        line.contains(&format!("audit log: {} entries", decisions + purges)),
        "{line}"
    );
    assert!(line.ends_with("hash chain intact"), "{line}");
}
