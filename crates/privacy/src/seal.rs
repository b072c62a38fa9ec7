//! Sealing and opening one `personal` object, and the payload-level functions built on it.
//!
//! Sealed form (the `personal` field of a payload, in the log):
//!
//! ```json
//! {"data_subject_id": "0193…", "sealed": {"alg": "XChaCha20-Poly1305+HMAC-SHA256-SIV/v1",
//!  "nonce": "<24 bytes, base64>", "ciphertext": "<base64: ciphertext ‖ 16-byte tag>"}}
//! ```
//!
//! - The plaintext is the canonical JSON of the `personal` object without `data_subject_id`.
//! - From the subject's 32-byte key two keys are derived with HMAC-SHA256: an encryption key
//!   and a nonce key (labels below), so the key that encrypts never also hashes.
//! - The nonce is derived, not random (SIV-style): the first 24 bytes of
//!   HMAC-SHA256(nonce key, event id ‖ plaintext). The same command (same event id, same
//!   details) therefore seals to the same bytes, so a retried append is recognised as the
//!   same event; different events or details get different nonces. XChaCha20's 192-bit
//!   nonce leaves no practical chance of two different messages sharing one.
//! - The associated data binds the ciphertext to its data subject: it cannot be moved under
//!   another subject's id without failing authentication.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload as AeadPayload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use engage_domain::personal::{
    DATA_SUBJECT_FIELD, ERASED_MARKER, PERSONAL_FIELD, PersonalShape, SEALED_FIELD, personal_shape,
    placeholder,
};
use engage_log::{NewEvent, Payload};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;
use uuid::Uuid;

use crate::PrivacyError;
use crate::keystore::{KeyStore, SubjectKey};

/// The algorithm name recorded in every sealed object.
pub const ALGORITHM: &str = "XChaCha20-Poly1305+HMAC-SHA256-SIV/v1";
/// What every required text field of personal data reads after [`redact_payload`].
pub const REDACTED_MARKER: &str = "[redacted]";

const ENCRYPTION_LABEL: &[u8] = b"engage-privacy/v1/encryption-key";
const NONCE_LABEL: &[u8] = b"engage-privacy/v1/nonce-key";
const AAD_TAG: &[u8] = b"engage-privacy/v1/personal\0";

/// The `sealed` member of a sealed personal object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedBox {
    pub alg: String,
    /// 24 bytes, standard base64.
    pub nonce: String,
    /// Ciphertext followed by the 16-byte Poly1305 tag, standard base64.
    pub ciphertext: String,
}

/// HMAC-SHA256 over length-prefixed parts (HMAC takes keys of any length; the error is
/// there only because the trait allows fixed-length keys).
fn hmac(key: &[u8], parts: &[&[u8]]) -> Result<[u8; 32], PrivacyError> {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(|_| PrivacyError::InvalidKey)?;
    for part in parts {
        mac.update(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
        mac.update(part);
    }
    Ok(mac.finalize().into_bytes().into())
}

fn aad(subject: Uuid) -> Vec<u8> {
    let mut aad = AAD_TAG.to_vec();
    aad.extend_from_slice(subject.as_bytes());
    aad
}

fn cipher(key: &SubjectKey) -> Result<XChaCha20Poly1305, PrivacyError> {
    let mut enc = hmac(key.bytes(), &[ENCRYPTION_LABEL])?;
    let cipher = XChaCha20Poly1305::new(&enc.into());
    zeroize::Zeroize::zeroize(&mut enc);
    Ok(cipher)
}

/// Seal `plaintext` (the details without `data_subject_id`) for `subject`, deterministically
/// for a given `event_id`.
pub fn seal_bytes(
    key: &SubjectKey,
    subject: Uuid,
    event_id: Uuid,
    plaintext: &[u8],
) -> Result<SealedBox, PrivacyError> {
    let mut nonce_key = hmac(key.bytes(), &[NONCE_LABEL])?;
    let derived = hmac(&nonce_key, &[event_id.as_bytes(), plaintext]);
    zeroize::Zeroize::zeroize(&mut nonce_key);
    let derived = derived?;
    let mut nonce = [0u8; 24];
    nonce.copy_from_slice(&derived[..24]);
    let nonce = XNonce::from(nonce);
    let aad = aad(subject);
    let ciphertext = cipher(key)?
        .encrypt(
            &nonce,
            AeadPayload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| PrivacyError::Seal { subject })?;
    Ok(SealedBox {
        alg: ALGORITHM.to_owned(),
        nonce: BASE64.encode(nonce.as_slice()),
        ciphertext: BASE64.encode(ciphertext),
    })
}

/// Open a sealed box with `subject`'s key. Any change to the box, or the wrong key or
/// subject, is [`PrivacyError::Tampered`].
pub fn open_bytes(
    key: &SubjectKey,
    subject: Uuid,
    sealed: &SealedBox,
) -> Result<Vec<u8>, PrivacyError> {
    if sealed.alg != ALGORITHM {
        return Err(PrivacyError::UnknownAlgorithm {
            subject,
            alg: sealed.alg.clone(),
        });
    }
    let tampered = || PrivacyError::Tampered { subject };
    let nonce: [u8; 24] = BASE64
        .decode(&sealed.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(tampered)?;
    let ciphertext = BASE64.decode(&sealed.ciphertext).map_err(|_| tampered())?;
    let aad = aad(subject);
    cipher(key)?
        .decrypt(
            &XNonce::from(nonce),
            AeadPayload {
                msg: &ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| tampered())
}

/// The `personal` object of a payload, if it has one (not null).
fn personal_of(value: &mut Value) -> Option<&mut Map<String, Value>> {
    value.get_mut(PERSONAL_FIELD)?.as_object_mut()
}

fn subject_of(object: &Map<String, Value>, shape: &PersonalShape) -> Result<Uuid, PrivacyError> {
    object
        .get(DATA_SUBJECT_FIELD)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| PrivacyError::NoDataSubject {
            event_type: shape.event_type.to_owned(),
        })
}

/// Seal the `personal` object of a new event in place (a no-op for event types without
/// personal data, an absent `personal`, or one already sealed). The subject's key is made
/// (durably) if it has none yet; a subject who was erased cannot be given new details.
pub async fn seal_new_event(event: &mut NewEvent, keys: &dyn KeyStore) -> Result<(), PrivacyError> {
    let Some(shape) = personal_shape(&event.event_type, event.schema_version) else {
        return Ok(());
    };
    let mut value = event.payload.to_value()?;
    let Some(personal) = personal_of(&mut value) else {
        return Ok(());
    };
    if personal.contains_key(SEALED_FIELD) {
        return Ok(());
    }
    let subject = subject_of(personal, shape)?;
    let key = keys.key_for_sealing(subject).await?;
    let mut details = personal.clone();
    details.remove(DATA_SUBJECT_FIELD);
    let plaintext = Payload::from_value(&Value::Object(details))?;
    let sealed = seal_bytes(&key, subject, event.event_id, plaintext.as_str().as_bytes())?;
    let mut object = Map::new();
    object.insert(
        DATA_SUBJECT_FIELD.to_owned(),
        Value::String(subject.to_string()),
    );
    object.insert(SEALED_FIELD.to_owned(), serde_json::to_value(&sealed)?);
    *personal = object;
    event.payload = Payload::from_value(&value)?;
    Ok(())
}

/// What [`open_payload`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// The event type carries no personal data, or this payload has none.
    NoPersonalData,
    /// The personal data was not sealed (written before sealing existed); left as it is.
    Plain { subject: Uuid },
    /// Opened with the subject's key.
    Opened { subject: Uuid },
    /// The subject's key is gone (erased): the details now read [`ERASED_MARKER`].
    Erased { subject: Uuid },
}

impl Opened {
    /// The data subject of the event's personal data, if any.
    pub fn subject(&self) -> Option<Uuid> {
        match *self {
            Self::NoPersonalData => None,
            Self::Plain { subject } | Self::Opened { subject } | Self::Erased { subject } => {
                Some(subject)
            }
        }
    }
}

/// Open the sealed `personal` object of an event's payload in place, for a caller allowed to
/// see it (the server decides who is). An erased subject's details become a placeholder that
/// keeps `data_subject_id` and reads [`ERASED_MARKER`]; a box that fails authentication is an
/// error, never silently a placeholder.
pub async fn open_payload(
    event_type: &str,
    schema_version: u32,
    payload: &mut Value,
    keys: &dyn KeyStore,
) -> Result<Opened, PrivacyError> {
    let Some(shape) = personal_shape(event_type, schema_version) else {
        return Ok(Opened::NoPersonalData);
    };
    let Some(personal) = personal_of(payload) else {
        return Ok(Opened::NoPersonalData);
    };
    let subject = subject_of(personal, shape)?;
    let Some(sealed) = personal.get(SEALED_FIELD) else {
        return Ok(Opened::Plain { subject });
    };
    let sealed: SealedBox =
        serde_json::from_value(sealed.clone()).map_err(|_| PrivacyError::Tampered { subject })?;
    let Some(key) = keys.key(subject).await? else {
        let erased = placeholder(shape, Value::String(subject.to_string()), ERASED_MARKER);
        payload[PERSONAL_FIELD] = erased;
        return Ok(Opened::Erased { subject });
    };
    let plaintext = open_bytes(&key, subject, &sealed)?;
    let mut details: Map<String, Value> =
        serde_json::from_slice(&plaintext).map_err(|_| PrivacyError::Tampered { subject })?;
    details.insert(
        DATA_SUBJECT_FIELD.to_owned(),
        Value::String(subject.to_string()),
    );
    payload[PERSONAL_FIELD] = Value::Object(details);
    Ok(Opened::Opened { subject })
}

/// A stored payload with its personal data opened (see [`open_payload`]), as a payload the
/// domain decodes; payloads without sealed personal data are returned as they are, without
/// being parsed.
pub async fn open_stored(
    event_type: &str,
    schema_version: u32,
    payload: &Payload,
    keys: &dyn KeyStore,
) -> Result<Option<Payload>, PrivacyError> {
    if personal_shape(event_type, schema_version).is_none()
        || !engage_domain::personal::is_sealed_text(payload.as_str())
    {
        return Ok(None);
    }
    let mut value = payload.to_value()?;
    open_payload(event_type, schema_version, &mut value, keys).await?;
    Ok(Some(Payload::from_value(&value)?))
}

/// Replace the `personal` object of a payload (sealed or not) with a placeholder that keeps
/// `data_subject_id` and reads [`REDACTED_MARKER`], for callers who may not see personal
/// data. Returns whether anything was redacted.
pub fn redact_payload(event_type: &str, schema_version: u32, payload: &mut Value) -> bool {
    let Some(shape) = personal_shape(event_type, schema_version) else {
        return false;
    };
    let Some(personal) = personal_of(payload) else {
        return false;
    };
    let subject = personal
        .get(DATA_SUBJECT_FIELD)
        .cloned()
        .unwrap_or(Value::Null);
    payload[PERSONAL_FIELD] = placeholder(shape, subject, REDACTED_MARKER);
    true
}
