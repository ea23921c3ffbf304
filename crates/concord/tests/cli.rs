//! The CLI end to end: a real server, driven by the client commands as a delegation would.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use serde_json::Value;

mod common;

use common::cli::{concord, fails, json, ok, token};
use common::serve;

/// Admits a member over the API of the server at `s` (the secretariat's token `sec`), named by
/// its code, a founder.
fn admit(s: &str, sec: &str, code: &str, a2: &str, num: &str) {
    let body =
        format!(r#"{{"code":"{code}","alpha2":"{a2}","numeric":"{num}","name":"{code}","accession":"1949-08-24"}}"#);
    let resp = reqwest::blocking::Client::new()
        .post(format!("{s}/api/v1/members"))
        .bearer_auth(sec)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
}

#[test]
fn a_silence_procedure_driven_from_the_cli_is_blocked_by_one_objection() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let server = serve(&db);
    let sec = token(&db, "secretariat", None);
    let s = server.url.as_str();

    for (code, a2, num) in [("FRA", "FR", "250"), ("DEU", "DE", "276")] {
        admit(s, &sec, code, a2, num);
    }
    let fra = token(&db, "member", Some("FRA"));

    let created = ok(concord(&[
        "proposal",
        "create",
        "--server",
        s,
        "--token",
        &sec,
        "--json",
        "--kind",
        "statement",
        "--title",
        "No troops",
        "--text",
        "There are no plans for combat troops on the ground.",
    ]));
    let id = json(&created)["id"].as_u64().unwrap().to_string();
    // Two hours is under the deployment's default minimum silence of a day: it needs a reason.
    let circulate =
        ["proposal", "circulate", &id, "--server", s, "--token", &sec, "--procedure", "silence", "--for", "2h"];
    let err = fails(concord(&circulate));
    assert!(err.contains("shorter than this deployment's minimum of 24h"), "{err}");
    let out = ok(concord(&[&circulate[..], &["--urgent", "The summit opens tomorrow."]].concat()));
    assert!(out.contains("under silence"), "{out}");
    assert!(out.contains("urgent") && out.contains("The summit opens tomorrow."), "{out}");

    let out = ok(concord(&[
        "position",
        "take",
        &id,
        "--server",
        s,
        "--token",
        &fra,
        "--stance",
        "object",
        "--text",
        "France objects.",
    ]));
    assert!(out.contains("blocked"), "{out}");
    assert!(out.contains("FRA objected"), "{out}");

    let grid = json(&ok(concord(&["position", "list", &id, "--server", s, "--token", &sec, "--json"])));
    assert_eq!(grid["status"], "blocked");
    assert_eq!(grid["electors"].as_array().unwrap().len(), 2);

    // A refusal is one line and a non-zero exit.
    let err = fails(concord(&["position", "take", &id, "--server", s, "--token", &fra, "--stance", "concur"]));
    assert!(err.contains("never changes"), "{err}");
    let err = fails(concord(&["proposal", "show", "999", "--server", s, "--token", &sec]));
    assert!(err.contains("no proposal 999"), "{err}");
    let err = fails(concord(&["proposal", "list", "--server", s, "--token", "cct_wrong"]));
    assert!(err.contains("not valid"), "{err}");
}

#[test]
fn a_delegation_says_from_the_cli_that_it_awaits_instructions_until_it_takes_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("instructions.db");
    let server = serve(&db);
    let sec = token(&db, "secretariat", None);
    let s = server.url.as_str();
    admit(s, &sec, "FRA", "FR", "250");
    let fra = token(&db, "member", Some("FRA"));
    let (as_sec, as_fra) = (["--server", s, "--token", sec.as_str()], ["--server", s, "--token", fra.as_str()]);
    let create =
        ["proposal", "create", "--kind", "statement", "--title", "Summit", "--text", "The alliance meets.", "--json"];
    let id = json(&ok(concord(&[&create[..], &as_sec].concat())))["id"].as_u64().unwrap().to_string();
    let circulate = ["proposal", "circulate", &id, "--procedure", "silence", "--for", "2d"];
    ok(concord(&[&circulate[..], &as_sec].concat()));

    let wait = ["proposal", "await-instructions", &id, "--note", "Paris replies on Friday."];
    let out = ok(concord(&[&wait[..], &as_fra].concat()));
    assert!(out.contains("FRA  awaiting instructions since "), "{out}");
    assert!(out.contains("(not a position): Paris replies on Friday."), "{out}");
    assert!(out.contains("under silence"), "silence is not broken: {out}");
    let out = ok(concord(&[&["proposal", "show", &id][..], &as_sec].concat()));
    assert!(out.contains("FRA  awaiting instructions since "), "the secretariat is told: {out}");
    let out = ok(concord(&[&["position", "list", &id][..], &as_sec].concat()));
    assert!(out.contains("FRA  (silent, awaiting instructions since ") && out.contains("Paris replies"), "{out}");

    // The secretariat cannot say it for a delegation.
    let err = fails(concord(&[&wait[..], &as_sec].concat()));
    assert!(err.contains("only the delegation can"), "{err}");
    // A position ends the wait; after it, awaiting instructions is refused.
    let out = ok(concord(&[&["position", "take", &id, "--stance", "concur"][..], &as_fra].concat()));
    assert!(!out.contains("awaiting instructions"), "{out}");
    let err = fails(concord(&[&wait[..], &as_fra].concat()));
    assert!(err.contains("no longer awaiting instructions") && err.contains("409"), "{err}");
}

#[test]
fn a_body_is_established_from_the_cli_and_decides_among_its_roster() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bodies.db");
    let server = serve(&db);
    let sec = token(&db, "secretariat", None);
    let s = server.url.as_str();
    for (code, a2, num) in [("FRA", "FR", "250"), ("DEU", "DE", "276"), ("ITA", "IT", "380")] {
        admit(s, &sec, code, a2, num);
    }
    let as_sec = ["--server", s, "--token", sec.as_str()];
    let establish = ["body", "establish", "npg", "--name", "Nuclear Planning Group", "--except", "FRA"];
    let out = ok(concord(&[&establish[..], &as_sec].concat()));
    assert!(out.contains("npg  Nuclear Planning Group: every member but FRA; Consensus"), "{out}");
    let out = ok(concord(&[&["body", "show", "npg"][..], &as_sec].concat()));
    assert!(out.contains("Today (2): DEU, ITA"), "{out}");
    let create = [
        "proposal",
        "create",
        "--body",
        "npg",
        "--kind",
        "statement",
        "--title",
        "Posture",
        "--text",
        "Agreed.",
        "--json",
    ];
    let created = json(&ok(concord(&[&create[..], &as_sec].concat())));
    assert_eq!(created["body"], "npg");
    let listed = ok(concord(&[&["proposal", "list", "--body", "npg"][..], &as_sec].concat()));
    assert!(listed.contains("Posture"), "{listed}");
    let none = ok(concord(&[&["proposal", "list", "--body", "principal"][..], &as_sec].concat()));
    assert!(!none.contains("Posture"), "{none}");
    let rule = ["body", "rule", "npg", "--rule", "consensus-minus-one", "--concerned", "DEU", "--reason", "A case"];
    let out = ok(concord(&[&rule[..], &as_sec].concat()));
    assert!(out.contains("Consensus minus one") && out.contains("(rule version 2)"), "{out}");
    // A vote rule for a body that decides by consensus is refused, in one line.
    let err = fails(concord(
        &[&["body", "rule", "npg", "--rule", "qualified-majority", "--reason", "x"][..], &as_sec].concat(),
    ));
    assert!(err.contains("vote procedure alone") && err.contains("422"), "{err}");
    let err = fails(concord(&[&["body", "rule", "npg", "--rule", "threshold", "--reason", "x"][..], &as_sec].concat()));
    assert!(err.contains("needs --needed"), "{err}");
    let err = fails(concord(&[&["body", "show", "NPG"][..], &as_sec].concat()));
    assert!(err.contains("is not a body id"), "{err}");
}

#[test]
fn population_figures_and_a_vote_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("votes.db");
    let server = serve(&db);
    let sec = token(&db, "secretariat", None);
    let s = server.url.as_str();
    for (code, a2, num) in [("FRA", "FR", "250"), ("DEU", "DE", "276"), ("ITA", "IT", "380")] {
        admit(s, &sec, code, a2, num);
    }
    let as_sec = ["--server", s, "--token", sec.as_str()];
    let csv = dir.path().join("figures.csv");
    std::fs::write(&csv, "member,population\nDEU,83 445 000\nFRA,68402000\nITA,58989700\n").unwrap();
    let record = ["population", "record", "--year", "2024", "--source", "a test", "--file", csv.to_str().unwrap()];
    let out = ok(concord(&[&record[..], &as_sec].concat()));
    assert!(out.contains("2024: 3 states, 210836700 people (a test)"), "{out}");
    let out = ok(concord(&[&["population", "show", "2024"][..], &as_sec].concat()));
    assert!(out.contains("DEU      83445000  39.5 %"), "{out}");
    std::fs::write(&csv, "DEU,many\nFRA,1\nITA,x\n").unwrap();
    let err = fails(concord(&[&record[..], &as_sec].concat()));
    assert!(err.contains("line 3") && !err.contains('\n'.to_string().repeat(2).as_str()), "{err}");

    let establish = [
        "body",
        "establish",
        "board",
        "--name",
        "Board",
        "--procedure",
        "vote",
        "--rule",
        "threshold",
        "--needed",
        "2",
        "--veto",
        "FRA",
    ];
    let out = ok(concord(&[&establish[..], &as_sec].concat()));
    assert!(out.contains("board  Board"), "{out}");
    let create =
        ["proposal", "create", "--body", "board", "--kind", "statement", "--title", "T", "--text", "X", "--json"];
    let id = json(&ok(concord(&[&create[..], &as_sec].concat())))["id"].as_u64().unwrap().to_string();
    let circulate = ["proposal", "circulate", &id, "--procedure", "vote", "--for", "48h"];
    ok(concord(&[&circulate[..], &as_sec].concat()));
    for (member, vote) in [("DEU", "yes"), ("ITA", "yes"), ("FRA", "no")] {
        let t = token(&db, "member", Some(member));
        ok(concord(&["position", "take", &id, "--server", s, "--token", &t, "--stance", vote]));
    }
    let shown = json(&ok(concord(&[&["proposal", "show", &id, "--json"][..], &as_sec].concat())));
    assert_eq!(shown["proposal"]["status"], "not_adopted", "FRA vetoed: {shown}");
    let establish =
        ["body", "establish", "council", "--name", "Council", "--procedure", "vote", "--rule", "majority", "--proxies"];
    ok(concord(&[&establish[..], &as_sec].concat()));
    let proxy = ["body", "proxy", "council", "--member", "ITA", "--proxy", "DEU", "--until", "2099-01-01T00:00:00Z"];
    let err = fails(concord(&[&proxy[..], &as_sec].concat()));
    assert!(err.contains("only the member's own delegation") && err.contains("403"), "{err}");
    let ita = token(&db, "member", Some("ITA"));
    let as_ita = ["--server", s, "--token", ita.as_str()];
    let out = ok(concord(&[&proxy[..], &as_ita].concat()));
    assert!(out.contains("DEU acts for ITA from"), "{out}");
    let err = fails(concord(&[&["body", "proxy", "council", "--member", "ITA"][..], &as_ita].concat()));
    assert!(err.contains("--proxy") && err.contains("--until"), "{err}");
    let out = ok(concord(&[&["body", "proxy", "council", "--member", "ITA", "--end"][..], &as_ita].concat()));
    assert!(out.contains("DEU acts for ITA"), "the authorisation, now ended: {out}");
    // Signed with Italy's own key (`--key`), the authorisation carries Italy's statement; a key
    // of another member is refused here, before anything is sent.
    let (ita_key, fra_key) = (dir.path().join("ita.key"), dir.path().join("fra.key"));
    for (code, file) in [("ITA", &ita_key), ("FRA", &fra_key)] {
        let keygen = ["keygen", "--member", code, "--origin", "test.concord.example/log", "--out"];
        let vkey = ok(concord(&[&keygen[..], &[file.to_str().unwrap()]].concat()));
        ok(concord(&[&["member", "key-add", code, "--key", vkey.trim()][..], &as_sec].concat()));
    }
    let signed = [&proxy[..], &["--key", fra_key.to_str().unwrap()], &as_ita].concat();
    let err = fails(concord(&signed));
    assert!(err.contains("is FRA's, not ITA's"), "{err}");
    let signed = [&proxy[..], &["--key", ita_key.to_str().unwrap(), "--json"], &as_ita].concat();
    let granted = json(&ok(concord(&signed)));
    let note = granted[1]["evidence"].as_str().unwrap_or_default();
    assert!(
        note.starts_with("concord/proxy/v1\norigin test.concord.example/log\nbody council\nmember ITA\nproxy DEU\n"),
        "{granted}"
    );
    assert_eq!(shown["proposal"]["decision"]["count"]["vetoed_by"], serde_json::json!(["FRA"]));
    assert!(shown["outcome"]["explanation"].as_str().unwrap().contains("vetoed by FRA (a veto holder voted no)"));
}

#[test]
fn bad_invocations_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let db = db.to_str().unwrap();
    let err = fails(concord(&["token", "create", "--db", db, "--role", "secretariat"]));
    assert!(err.contains("no database"), "{err}");
    let err = fails(concord(&["proposal", "list", "--server", "http://127.0.0.1:9"]));
    assert!(err.contains("no token"), "{err}");
    let err = fails(concord(&["proposal", "list", "--server", "http://127.0.0.1:9", "--token", "cct_x"]));
    assert!(err.contains("cannot reach"), "{err}");
    let err = fails(concord(&["serve", "--addr", "127.0.0.1:0"]));
    assert!(err.contains("no database"), "{err}");
    // clap's own usage errors exit 2.
    let out = concord(&["proposal", "circulate", "1", "--procedure", "silence"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn pledges_import_from_csv_all_or_nothing_with_the_row_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pledges.db");
    let server = serve(&db);
    let sec = token(&db, "secretariat", None);
    let s = server.url.as_str();
    let http = reqwest::blocking::Client::new();
    for (path, body) in [
        ("/api/v1/members", r#"{"code":"FRA","alpha2":"FR","numeric":"250","name":"France","accession":"1949-08-24"}"#),
        ("/api/v1/partners", r#"{"code":"UKR","name":"Ukraine"}"#),
    ] {
        let r = http.post(format!("{s}{path}")).bearer_auth(&sec).header("content-type", "application/json").body(body);
        assert_eq!(r.send().unwrap().status().as_u16(), 201);
    }
    let header = "donor,recipient,channel,coalition,fund,category,capability,range,item,quantity,value,currency,valuation,announced_on,request,status,source_ref";
    let row = |channel: &str, category: &str, value: &str| {
        format!(
            "FRA,UKR,{channel},,,{category},artillery,medium,155 mm shells,100,{value},EUR,reported_by_donor,2024-01-16,,committed,"
        )
    };
    let write = |name: &str, rows: &[String]| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let total = || -> i64 {
        let r = http.get(format!("{s}/api/v1/reports/totals")).bearer_auth(&sec).send().unwrap();
        r.json::<Value>().unwrap()["total"]["minor_units"].as_i64().unwrap()
    };
    let import = |file: &str| concord(&["pledge", "import", file, "--server", s, "--token", &sec]);

    // One row the server refuses (lethal on the alliance fund): nothing imported, the row named.
    let bad_policy = write(
        "policy.csv",
        &[row("bilateral", "artillery_ammunition", "1000"), row("alliance_fund", "artillery_ammunition", "5")],
    );
    let err = fails(import(&bad_policy));
    assert!(err.contains("row 2:") && err.contains("non-lethal"), "{err}");
    assert_eq!(total(), 0, "nothing was imported");

    // One row that does not parse: named, and nothing sent.
    let bad_value =
        write("value.csv", &[row("bilateral", "artillery_ammunition", "1000"), row("bilateral", "tanks", "1.234")]);
    let err = fails(import(&bad_value));
    assert!(err.contains("row 2:") && err.contains("at most 2 decimal places"), "{err}");
    // A row worth nothing: the domain refuses it, the row named, nothing imported.
    let zero = write("zero.csv", &[row("bilateral", "tanks", "1000"), row("bilateral", "medical", "0.00")]);
    let err = fails(import(&zero));
    assert!(err.contains("row 2:") && err.contains("it is zero (0.00 EUR)"), "{err}");
    assert_eq!(total(), 0, "nothing was imported");
    let bad_word = write("word.csv", &[row("bilateral", "death_ray", "1")]);
    assert!(fails(import(&bad_word)).contains("row 1: category"));

    // A good file: every row, exactly.
    let good = write(
        "good.csv",
        &[
            row("bilateral", "artillery_ammunition", "1000.50"),
            row("bilateral", "tanks", "2000"),
            row("other_multilateral", "medical", "0.25"),
        ],
    );
    let out = ok(import(&good));
    assert!(out.contains("imported 3 pledges") && out.contains(": pledges 1 to 3"), "{out}");
    assert_eq!(total(), 100_050 + 200_000 + 25);
    // The same file again is refused, saying so, and records nothing twice; unless asked.
    let err = fails(import(&good));
    assert!(err.contains("was imported already (pledges 1 to 3)") && err.contains("--again"), "{err}");
    assert_eq!(total(), 100_050 + 200_000 + 25);
    let out = ok(concord(&["pledge", "import", &good, "--again", "--server", s, "--token", &sec]));
    assert!(out.contains(": pledges 4 to 6"), "{out}");
    assert_eq!(total(), 2 * (100_050 + 200_000 + 25));

    // The CSV export has the columns the import reads: exported, it imports again, exactly.
    let exported = ok(concord(&["report", "pledges", "--db", db.to_str().unwrap()]));
    let lines: Vec<&str> = exported.lines().collect();
    assert_eq!(lines.len(), 7, "{exported}");
    assert!(lines[0].starts_with("id,donor,recipient,channel"), "{exported}");
    assert!(lines[1].contains(",1000.50,EUR,"), "{exported}");
    let again = dir.path().join("again.csv");
    std::fs::write(&again, &exported).unwrap();
    assert!(ok(import(again.to_str().unwrap())).contains("imported 6 pledges"));
    assert_eq!(total(), 4 * (100_050 + 200_000 + 25));
}

/// `concord token list|revoke` and `--expires-in`: a revoked token is refused at once by a
/// running server (no cache), an expired one once its time has passed, each saying why.
#[test]
fn tokens_are_listed_revoked_at_once_and_expire() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tokens.db");
    let server = serve(&db);
    let s = server.url.as_str();
    let d = db.to_str().unwrap();
    let create = |label: &str, expires: &str| {
        let args = ["token", "create", "--db", d, "--role", "observer", "--label", label, "--expires-in", expires];
        ok(concord(&args)).trim().to_owned()
    };
    let ops = create("ops desk", "90d");
    let forever = create("archive", "never");
    let list = |token: &str| concord(&["proposal", "list", "--server", s, "--token", token]);
    ok(list(&ops));

    let listed = ok(concord(&["token", "list", "--db", d]));
    let line =
        |label: &str| listed.lines().find(|l| l.ends_with(label)).unwrap_or_else(|| panic!("{listed}")).to_owned();
    assert!(line("ops desk").contains("observer") && line("ops desk").contains(" valid "), "{listed}");
    assert!(line("archive").contains("never"), "{listed}");
    assert!(!listed.contains(&ops) && !listed.contains("cct_"), "tokens are never shown again: {listed}");
    let id = line("ops desk").split_whitespace().next().unwrap().to_owned();

    let revoked = ok(concord(&["token", "revoke", "--db", d, &id[..8]]));
    assert!(revoked.contains("revoked token") && revoked.contains("ops desk"), "{revoked}");
    let err = fails(list(&ops));
    assert!(err.contains("revoked"), "refused at once by the running server: {err}");
    ok(list(&forever));
    assert!(
        ok(concord(&["token", "list", "--db", d])).lines().any(|l| l.contains(" revoked ") && l.ends_with("ops desk"))
    );

    let err = fails(concord(&["token", "revoke", "--db", d, &id]));
    assert!(err.contains("revoked already"), "{err}");
    let err = fails(concord(&["token", "revoke", "--db", d, "0123"]));
    assert!(err.contains("at least 8 hexadecimal digits"), "{err}");
    let err = fails(concord(&["token", "revoke", "--db", d, "ffffffffffffffff"]));
    assert!(err.contains("no token has the id"), "{err}");
    for (bad, says) in [("soon", "not a span"), ("-3d", "positive"), ("0s", "positive")] {
        let out = concord(&["token", "create", "--db", d, "--role", "observer", &format!("--expires-in={bad}")]);
        let err = fails(out);
        assert!(err.contains(says), "{bad}: {err}");
    }

    let brief = create("short-lived", "1s");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let err = fails(list(&brief));
    assert!(err.contains("expired"), "{err}");
}

/// A command line clap refuses is one line, naming the argument and what it accepts, and a
/// non-zero exit, before anything is sent (no server is needed to say so).
#[test]
fn a_bad_command_line_is_one_line_with_an_example_of_what_is_accepted() {
    let circulate = |extra: &[&str]| {
        let mut args = vec!["proposal", "circulate", "1", "--server", "http://127.0.0.1:9", "--token", "t"];
        args.extend_from_slice(extra);
        fails(concord(&args))
    };
    let err = circulate(&["--procedure", "silence", "--deadline", "2024-01-01"]);
    assert!(err.contains("is not an exact time") && err.contains("2026-12-01T17:00:00Z"), "{err}");
    let err = circulate(&["--procedure", "silence", "--for", "-5m"]);
    assert!(err.contains("\"-5m\" is in the past") && err.contains("72h"), "{err}");
    let err = circulate(&["--procedure", "silent", "--for", "5m"]);
    assert!(err.contains("is not one of silence, consensus_round"), "{err}");
    let err = fails(concord(&["proposal", "circulate"]));
    assert!(err.contains("required arguments were not provided: --procedure"), "{err}");
    let err = fails(concord(&["no-such-command"]));
    assert!(err.contains("unrecognized subcommand") && err.contains("--help"), "{err}");
    assert!(concord(&["--help"]).status.success(), "help is not an error");
}
