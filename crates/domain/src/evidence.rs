//! Evidence files: what a client may call a file, the digests that identify it, and the kinds
//! of event in its chain of custody (证据保管链).

use crate::error::Invalid;

/// A file's name as the uploader gave it, made safe to show and to offer back on download.
///
/// Only the last path component is kept (`../../etc/passwd` becomes `passwd`, `C:\x\y.mp4`
/// becomes `y.mp4`); names with control or bidirectional-override characters, or longer than
/// [`FileName::MAX_BYTES`], are refused. The name is never used to build a storage path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    /// The usual limit of a file name on disk.
    pub const MAX_BYTES: usize = 255;
    /// What a file uploaded without a name is called.
    pub const UNNAMED: &'static str = "unnamed";

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        if raw.chars().any(|c| c.is_control() || is_bidi_control(c)) {
            return Err(Invalid::field(
                field,
                "evidence.file_name_chars",
                Some(&raw.escape_debug().to_string()),
            ));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(Invalid::field(field, "evidence.file_name_too_long", Some(raw)));
        }
        // Both separators: a name made on Windows arrives with backslashes.
        let base = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
        // A drive prefix left without a separator (`C:evil`) is dropped too.
        let base = match base.split_once(':') {
            Some((drive, rest)) if drive.len() == 1 && drive.chars().all(|c| c.is_ascii_alphabetic()) => rest,
            _ => base,
        };
        let base = base.trim_start_matches('.').trim();
        if base.is_empty() {
            return Ok(Self(Self::UNNAMED.to_owned()));
        }
        Ok(Self(base.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that reorder what is shown (`invoice\u{202E}4pm.exe` reads as `invoiceexe.mp4`).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A declared media type (`video/mp4`); recorded as given, never trusted for serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType(String);

impl MediaType {
    pub const OCTET_STREAM: &'static str = "application/octet-stream";

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim().to_ascii_lowercase();
        if t.is_empty() {
            return Ok(Self(Self::OCTET_STREAM.to_owned()));
        }
        let token = |s: &str| {
            s.len() <= 64
                && s.starts_with(|c: char| c.is_ascii_alphanumeric())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
        };
        match t.split_once('/') {
            Some((a, b)) if token(a) && token(b) => Ok(Self(t)),
            _ => Err(Invalid::field(field, "evidence.media_type", Some(raw))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A 32-byte digest written as 64 lowercase hex digits (SHA-256 or SM3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest32(pub [u8; 32]);

impl Digest32 {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim();
        let mut out = [0u8; 32];
        if t.len() != 64 {
            return Err(Invalid::field(field, "evidence.digest_format", Some(t)));
        }
        for (i, pair) in t.as_bytes().chunks(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16);
            let lo = (pair[1] as char).to_digit(16);
            match (hi, lo) {
                (Some(h), Some(l)) => out[i] = (h * 16 + l) as u8,
                _ => return Err(Invalid::field(field, "evidence.digest_format", Some(t))),
            }
        }
        Ok(Self(out))
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// One link of a file's chain of custody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustodyKind {
    /// The file was received, hashed and stored.
    Intake,
    /// Someone looked at its record.
    Access,
    /// Someone took a copy of its bytes.
    Download,
    /// It left in a sealed export package.
    Export,
    /// Its bytes were re-read and matched both recorded digests.
    VerifyOk,
    /// Its bytes no longer match what was recorded at intake.
    VerifyFailed,
}

impl CustodyKind {
    pub const ALL: [CustodyKind; 6] = [
        Self::Intake,
        Self::Access,
        Self::Download,
        Self::Export,
        Self::VerifyOk,
        Self::VerifyFailed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Intake => "intake",
            Self::Access => "access",
            Self::Download => "download",
            Self::Export => "export",
            Self::VerifyOk => "verify_ok",
            Self::VerifyFailed => "verify_failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The audit action that records this event.
    pub const fn audit_action(self) -> crate::audit::AuditAction {
        use crate::audit::AuditAction as A;
        match self {
            Self::Intake => A::EvidenceIntake,
            Self::Access => A::EvidenceAccess,
            Self::Download => A::EvidenceDownload,
            Self::Export => A::EvidenceExport,
            Self::VerifyOk => A::EvidenceVerify,
            Self::VerifyFailed => A::EvidenceVerifyFailed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(raw: &str) -> Result<String, &'static str> {
        FileName::parse("filename", raw)
            .map(|n| n.as_str().to_owned())
            .map_err(|e| e.fields[0].key)
    }

    #[test]
    fn path_tricks_keep_only_the_last_component() {
        assert_eq!(name("../../etc/passwd"), Ok("passwd".into()));
        assert_eq!(name("/etc/shadow"), Ok("shadow".into()));
        assert_eq!(name("..\\..\\Windows\\win.ini"), Ok("win.ini".into()));
        assert_eq!(name("C:\\录像\\询问.mp4"), Ok("询问.mp4".into()));
        assert_eq!(name("C:evil.exe"), Ok("evil.exe".into()));
        assert_eq!(name(".."), Ok(FileName::UNNAMED.into()));
        assert_eq!(name("dir/"), Ok(FileName::UNNAMED.into()));
        assert_eq!(name(""), Ok(FileName::UNNAMED.into()));
        assert_eq!(name(".bashrc"), Ok("bashrc".into()));
        assert_eq!(name("询问录像 2026-11-27.mp4"), Ok("询问录像 2026-11-27.mp4".into()));
    }

    #[test]
    fn control_characters_and_long_names_are_refused() {
        assert_eq!(name("a\0b.mp4"), Err("evidence.file_name_chars"));
        assert_eq!(name("a\nb.mp4"), Err("evidence.file_name_chars"));
        assert_eq!(name("invoice\u{202E}4pm.exe"), Err("evidence.file_name_chars"));
        assert_eq!(name(&"录".repeat(100)), Err("evidence.file_name_too_long"));
        assert!(name(&"a".repeat(255)).is_ok());
    }

    #[test]
    fn media_types_and_digests_parse() {
        assert_eq!(MediaType::parse("t", " Video/MP4 ").unwrap().as_str(), "video/mp4");
        assert_eq!(MediaType::parse("t", "").unwrap().as_str(), MediaType::OCTET_STREAM);
        assert!(MediaType::parse("t", "text/html; charset=utf-8").is_err());
        assert!(MediaType::parse("t", "../x").is_err());
        let hex = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
        assert_eq!(Digest32::parse("sm3", hex).unwrap().to_hex(), hex);
        assert!(Digest32::parse("sm3", &hex[1..]).is_err());
        assert!(Digest32::parse("sm3", &hex.replace('6', "g")).is_err());
    }

    #[test]
    fn custody_kinds_round_trip() {
        for k in CustodyKind::ALL {
            assert_eq!(CustodyKind::parse(k.as_str()), Some(k));
        }
    }
}
