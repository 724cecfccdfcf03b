//! Signed notes and checkpoints: interoperability with the Go reference key, round trips, and
//! rejection of every malformed or mis-signed input as a typed error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qinglian_ledger::{
    Checkpoint, CheckpointError, Frontier, HashAlgorithm, KeyError, MAX_NOTE_LEN, MemoryStore, Note, NoteError,
    NoteSigner, NoteVerifier, Sha256, SignatureType, Sm3, TreeHead,
};

// The example key and note of golang.org/x/mod/sumdb/note.
const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

const ORIGIN: &str = "ledger.qinglian.example/county-cdi";

#[test]
fn go_reference_key_and_note_interoperate() {
    let signer = NoteSigner::from_skey(GO_SKEY).unwrap();
    assert_eq!(signer.verifier().to_vkey(), GO_VKEY);
    assert_eq!(signer.to_skey().expose(), GO_SKEY);
    let note = Note::sign(GO_TEXT, &[&signer]).unwrap();
    assert_eq!(note.to_string(), format!("{GO_TEXT}\n{GO_SIG}"));
    let verifier = NoteVerifier::from_vkey(GO_VKEY).unwrap();
    let parsed = Note::parse(format!("{GO_TEXT}\n{GO_SIG}").as_bytes()).unwrap();
    assert_eq!(parsed.text(), GO_TEXT);
    assert_eq!(
        parsed.verify(std::slice::from_ref(&verifier)).unwrap()[0].name(),
        "PeterNeumann"
    );
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let signer = NoteSigner::from_skey(GO_SKEY).unwrap();
    for shown in [format!("{signer:?}"), format!("{:?}", signer.to_skey())] {
        assert!(!shown.contains("AYEKFALV"), "{shown}");
    }
}

#[test]
fn vkey_and_skey_reject_manglings() {
    for bad in [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW+x",
        "PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(NoteVerifier::from_vkey(bad).is_err(), "{bad:?} accepted");
    }
    assert_eq!(
        NoteVerifier::from_vkey("Peter+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").unwrap_err(),
        KeyError::KeyIdMismatch
    );
    assert!(NoteSigner::from_skey(&GO_SKEY.replace("c74f20a3", "c74f20a4")).is_err());
    assert!(NoteSigner::from_skey(GO_VKEY).is_err());
    assert!(NoteSigner::generate("", SignatureType::Ed25519).is_err());
    assert!(NoteSigner::generate("a+b", SignatureType::Ed25519).is_err());
}

fn head() -> TreeHead<Sha256> {
    let mut store = MemoryStore::<Sha256>::new();
    for i in 0..1000u32 {
        store.push_data(&i.to_be_bytes());
    }
    store.tree_head()
}

fn signed(signer: &NoteSigner) -> String {
    Checkpoint::new(signer.name(), head())
        .unwrap()
        .sign(signer)
        .unwrap()
        .to_string()
}

#[test]
fn checkpoint_round_trips_with_both_algorithms() {
    for kind in [SignatureType::Ed25519, SignatureType::Sm2] {
        let signer = NoteSigner::generate(ORIGIN, kind).unwrap();
        let vkey = signer.verifier().to_vkey();
        let verifier = NoteVerifier::from_vkey(&vkey).unwrap();
        assert_eq!(verifier.signature_type(), kind);
        let text = signed(&signer);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[..2], [ORIGIN, "1000"]);
        assert_eq!(lines[3], "");
        let checkpoint = Checkpoint::<Sha256>::open(text.as_bytes(), &verifier).unwrap();
        assert_eq!(checkpoint.tree_head(), head());
        assert_eq!(Note::parse(text.as_bytes()).unwrap().to_string(), text);
        // The skey restores the same key.
        let again = NoteSigner::from_skey(signer.to_skey().expose()).unwrap();
        assert_eq!(again.verifier().to_vkey(), vkey);
    }
}

#[test]
fn checkpoint_with_extensions_and_sm3_root_round_trips() {
    let signer = NoteSigner::generate(ORIGIN, SignatureType::Sm2).unwrap();
    let mut frontier = Frontier::<Sm3>::new();
    let head = frontier.extend((0..5u8).map(|i| Sm3::hash_leaf(&[i])));
    let checkpoint = Checkpoint::with_extensions(ORIGIN, head, vec!["ext one".into(), "ext two".into()]).unwrap();
    let text = checkpoint.sign(&signer).unwrap().to_string();
    assert_eq!(
        Checkpoint::<Sm3>::open(text.as_bytes(), signer.verifier()).unwrap(),
        checkpoint
    );
}

#[test]
fn empty_tree_checkpoint() {
    let signer = NoteSigner::generate(ORIGIN, SignatureType::Ed25519).unwrap();
    let head = Frontier::<Sha256>::new().tree_head();
    let text = Checkpoint::new(ORIGIN, head)
        .unwrap()
        .sign(&signer)
        .unwrap()
        .to_string();
    assert!(text.starts_with(&format!(
        "{ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"
    )));
    assert_eq!(
        Checkpoint::<Sha256>::open(text.as_bytes(), signer.verifier())
            .unwrap()
            .size(),
        0
    );
}

/// Replaces the first occurrence of `from` and re-signs nothing: the signature must break.
fn tamper(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in {text:?}");
    text.replacen(from, to, 1)
}

fn open(text: &str, verifier: &NoteVerifier) -> Result<Checkpoint<Sha256>, CheckpointError> {
    Checkpoint::<Sha256>::open(text.as_bytes(), verifier)
}

#[test]
fn tampered_or_mis_signed_checkpoints_are_rejected() {
    let signer = NoteSigner::generate(ORIGIN, SignatureType::Ed25519).unwrap();
    let key = signer.verifier();
    let text = signed(&signer);
    let bad_sig = Err(CheckpointError::Note(NoteError::BadSignature(ORIGIN.into())));
    let unknown = Err(CheckpointError::Note(NoteError::NoKnownSignature));

    assert_eq!(open(&tamper(&text, "\n1000\n", "\n1001\n"), key), bad_sig);
    assert_eq!(
        open(&tamper(&text, ORIGIN, "ledger.qinglian.example/other"), key),
        bad_sig
    );

    let other = NoteSigner::generate(ORIGIN, SignatureType::Ed25519).unwrap();
    assert_eq!(open(&text, other.verifier()), unknown, "wrong key, same name");
    let renamed = NoteSigner::generate("ledger.qinglian.example/other", SignatureType::Ed25519).unwrap();
    assert_eq!(open(&text, renamed.verifier()), unknown, "wrong key name");
    let sm2 = NoteSigner::generate(ORIGIN, SignatureType::Sm2).unwrap();
    assert_eq!(open(&text, sm2.verifier()), unknown, "wrong algorithm");

    // A signature line with the right name and key id but another key's signature.
    let forged = signed(&other);
    let forged_sig = forged.rsplit_once(' ').unwrap().1;
    let ours = text.rsplit_once(' ').unwrap();
    let with_id = |sig: &str, id_from: &str| format!("{}{}", &id_from[..6], &sig[6..]);
    let swapped = format!("{} {}", ours.0, with_id(forged_sig, ours.1));
    assert_eq!(open(&swapped, key), bad_sig);

    // The log key must be named after the checkpoint's origin.
    let stranger = NoteSigner::generate("someone.else/key", SignatureType::Ed25519).unwrap();
    let note = Note::sign(&Checkpoint::new(ORIGIN, head()).unwrap().to_text(), &[&stranger]).unwrap();
    assert!(matches!(
        open(&note.to_string(), stranger.verifier()),
        Err(CheckpointError::OriginMismatch { .. })
    ));
    assert!(Checkpoint::new(ORIGIN, head()).unwrap().sign(&stranger).is_err());
}

#[test]
fn unknown_extra_signatures_are_ignored_but_bad_known_ones_are_not() {
    let log = NoteSigner::generate(ORIGIN, SignatureType::Ed25519).unwrap();
    let witness = NoteSigner::generate("witness.example/w1", SignatureType::Sm2).unwrap();
    let text = Checkpoint::new(ORIGIN, head()).unwrap().to_text();
    let note = Note::sign(&text, &[&log, &witness]).unwrap().to_string();
    assert!(open(&note, log.verifier()).is_ok());
    let both = [log.verifier().clone(), witness.verifier().clone()];
    assert_eq!(Note::parse(note.as_bytes()).unwrap().verify(&both).unwrap().len(), 2);
}

/// Note-level malformations, each signed correctly where a signature is present.
#[test]
fn malformed_notes_are_typed_errors() {
    let signer = NoteSigner::generate(ORIGIN, SignatureType::Ed25519).unwrap();
    let key = signer.verifier();
    let text = signed(&signer);
    let body = Checkpoint::new(ORIGIN, head()).unwrap().to_text();
    let sig_line = text.rsplit_once("\n\n").unwrap().1;
    let resign = |body: &str| {
        format!(
            "{body}\n{}",
            Note::sign(body, &[&signer])
                .unwrap()
                .to_string()
                .rsplit_once("\n\n")
                .unwrap()
                .1
        )
    };
    let note_err = |t: &str| match Checkpoint::<Sha256>::open(t.as_bytes(), key) {
        Err(CheckpointError::Note(e)) => e,
        other => panic!("{t:?} gave {other:?}"),
    };

    assert_eq!(note_err(&text.replacen("\n\n", "\n", 1)), NoteError::MissingSeparator);
    assert_eq!(note_err(&text[..text.len() - 1]), NoteError::BadSignatureLine(1));
    assert_eq!(note_err(&format!("{body}\n")), NoteError::NoSignatures);
    assert_eq!(note_err(&text.replace('\u{2014}', "-")), NoteError::BadSignatureLine(1));
    let with_sig = |line: &str| format!("{body}\n{line}");
    assert_eq!(
        note_err(&with_sig(&sig_line.replacen('=', "", 1))),
        NoteError::BadSignatureLine(1)
    );
    assert_eq!(
        note_err(&with_sig(&sig_line.replacen(' ', "  ", 1))),
        NoteError::BadSignatureLine(1)
    );
    assert_eq!(
        note_err(&with_sig(&sig_line.replacen(' ', "+", 1))),
        NoteError::BadSignatureLine(1)
    );
    assert_eq!(note_err(&with_sig("\u{2014} k AAAA\n")), NoteError::BadSignatureLine(1));
    assert_eq!(
        note_err(&format!("{text}{sig_line}")),
        NoteError::DuplicateSignature(ORIGIN.into())
    );
    assert_eq!(note_err(&text.replacen('\n', "\r\n", 1)), NoteError::ControlCharacter);
    assert_eq!(note_err(&text.replacen('\n', "\t", 1)), NoteError::ControlCharacter);
    let mut bytes = text.clone().into_bytes();
    bytes[0] = 0xff;
    assert_eq!(
        Checkpoint::<Sha256>::open(&bytes, key),
        Err(CheckpointError::Note(NoteError::NotUtf8))
    );
    let huge = format!("{}{text}", "x".repeat(MAX_NOTE_LEN));
    assert_eq!(note_err(&huge), NoteError::TooLarge);
    let many = format!(
        "{body}\n{}",
        (0..65).map(|i| format!("\u{2014} k{i} AAAAAAAA\n")).collect::<String>()
    );
    assert_eq!(note_err(&many), NoteError::TooManySignatures);

    // Checkpoint-level malformations, correctly signed.
    let root = body.lines().nth(2).unwrap();
    for (bad, want) in [
        (body.replacen("\n1000\n", "\n01000\n", 1), CheckpointError::Size),
        (body.replacen("\n1000\n", "\n+1000\n", 1), CheckpointError::Size),
        (body.replacen("\n1000\n", "\n1e3\n", 1), CheckpointError::Size),
        (body.replacen("\n1000\n", "\n\u{0661}000\n", 1), CheckpointError::Size),
        (
            body.replacen("\n1000\n", "\n18446744073709551616\n", 1),
            CheckpointError::Size,
        ),
        (body.replacen(root, &root[..root.len() - 1], 1), CheckpointError::Root),
        (body.replacen(root, &root.replace('=', "A"), 1), CheckpointError::Root),
        (body.replacen(root, &format!("{root}AAAA"), 1), CheckpointError::Root),
        (body.replacen(root, &root.replace('+', "-"), 1), CheckpointError::Root),
        (format!("{ORIGIN}\n1000\n"), CheckpointError::Lines),
    ] {
        assert_eq!(open(&resign(&bad), key), Err(want), "{bad:?}");
    }
    let max = body.replacen("\n1000\n", "\n18446744073709551615\n", 1);
    assert_eq!(open(&resign(&max), key).unwrap().size(), u64::MAX);
}

#[test]
fn every_truncation_and_byte_change_is_rejected_without_panic() {
    let signer = NoteSigner::generate(ORIGIN, SignatureType::Ed25519).unwrap();
    let text = signed(&signer);
    let bytes = text.as_bytes();
    assert!(Checkpoint::<Sha256>::open(bytes, signer.verifier()).is_ok());
    for len in 0..bytes.len() {
        assert!(
            Checkpoint::<Sha256>::open(&bytes[..len], signer.verifier()).is_err(),
            "prefix {len}"
        );
    }
    for i in 0..bytes.len() {
        for value in [b'\n', b'A', 0x80] {
            if bytes[i] == value {
                continue;
            }
            let mut changed = bytes.to_vec();
            changed[i] = value;
            let outcome = Checkpoint::<Sha256>::open(&changed, signer.verifier());
            assert!(outcome.is_err(), "byte {i} set to {value:#04x} accepted");
        }
    }
}
