//! `concord user create`: the password from stdin or a file, never argv; roles and codes
//! checked against the database; an account made this way signs in to the web pages.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn create(db: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(common::BIN)
        .args(["user", "create", "--db"])
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn accounts_are_made_with_a_password_from_stdin_or_a_file() {
    let demo = common::demo();
    let ok = create(
        &demo.db,
        &["--name", "fra-delegation", "--role", "member", "--code", "FRA"],
        "a long enough password\n",
    );
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "created web account fra-delegation (member FRA)\n");

    let file = demo.db.with_file_name("pw.txt");
    std::fs::write(&file, "another long password\nignored second line\n").unwrap();
    let from_file =
        create(&demo.db, &["--name", "watcher", "--role", "observer", "--password-file", file.to_str().unwrap()], "");
    assert!(from_file.status.success(), "{}", String::from_utf8_lossy(&from_file.stderr));

    for (args, stdin, why) in [
        (vec!["--name", "fra-delegation", "--role", "observer"], "a long enough password", "a name is taken once"),
        (vec!["--name", "x", "--role", "member", "--code", "XKX"], "a long enough password", "not a member"),
        (
            vec!["--name", "y", "--role", "observer", "--code", "FRA"],
            "a long enough password",
            "a code where none belongs",
        ),
        (vec!["--name", "z", "--role", "observer"], "short", "a weak password"),
        (vec!["--name", "bad name", "--role", "observer"], "a long enough password", "a bad name"),
    ] {
        let out = create(&demo.db, &args, stdin);
        assert!(!out.status.success(), "{why}");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("concord: "), "{why}: one clear line");
    }
}
