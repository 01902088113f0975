//! Login tokens: JSON Web Tokens signed with HMAC-SHA256 (HS256, RFC 7519), on the `hmac`, `sha2`
//! and `base64` crates sqlx already builds.
//!
//! Only HS256 is accepted: a token whose header names another algorithm, including `none`, is
//! refused before its claims are read.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;

use crate::UserId;

/// `{"alg":"HS256","typ":"JWT"}`, the header of every token issued here.
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// What a token says: whose it is, and until when it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id, as a string as RFC 7519 wants for `sub`.
    pub sub: String,
    /// Issued at, in seconds since the Unix epoch.
    pub iat: i64,
    /// Expires at, in seconds since the Unix epoch.
    pub exp: i64,
}

/// Why a token was refused. The API answers every one of them with the same 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not three base64url parts, or a part is not the JSON it should be.
    #[error("malformed token")]
    Malformed,
    /// The header names another algorithm than HS256.
    #[error("token not signed with HS256")]
    Algorithm,
    /// The signature does not match: tampered with, or signed with another secret.
    #[error("bad token signature")]
    Signature,
    /// Past its `exp`.
    #[error("token expired")]
    Expired,
}

/// Issues and checks tokens with one secret. `Debug` hides the key.
#[derive(Clone)]
pub struct TokenKeys {
    /// Keyed once; cloned per token, which skips the key schedule.
    mac: Hmac<Sha256>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

impl TokenKeys {
    /// Keys for `secret`; HMAC accepts a key of any length (the server refuses short ones).
    pub fn new(secret: &[u8]) -> TokenKeys {
        TokenKeys { mac: Hmac::new_from_slice(secret).expect("HMAC takes keys of any length") }
    }

    /// A token for `user`, valid from `now` for `ttl`.
    pub fn issue(&self, user: UserId, now: OffsetDateTime, ttl: std::time::Duration) -> String {
        let iat = now.unix_timestamp();
        let exp = iat.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
        self.sign(&Claims { sub: user.0.to_string(), iat, exp })
    }

    /// A token carrying exactly these claims (tests use it to make expired ones).
    pub fn sign(&self, claims: &Claims) -> String {
        let claims = serde_json::to_vec(claims).expect("claims serialise");
        let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(HEADER), URL_SAFE_NO_PAD.encode(claims));
        let mut mac = self.mac.clone();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The user a token was issued to, if its signature is ours, it is HS256 and unexpired at
    /// `now`.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<UserId, TokenError> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (header, claims) = signing_input.split_once('.').ok_or(TokenError::Malformed)?;
        if claims.contains('.') {
            return Err(TokenError::Malformed);
        }
        let header: Header = decode_json(header)?;
        if header.alg != "HS256" {
            return Err(TokenError::Algorithm);
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac.clone();
        mac.update(signing_input.as_bytes());
        // `verify_slice` compares in constant time.
        mac.verify_slice(&signature).map_err(|_| TokenError::Signature)?;
        // Only now, with the signature checked, are the claims worth reading.
        let claims: Claims = decode_json(claims)?;
        if now.unix_timestamp() >= claims.exp {
            return Err(TokenError::Expired);
        }
        claims.sub.parse().map(UserId).map_err(|_| TokenError::Malformed)
    }
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKeys(***)")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef")
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    #[test]
    fn an_issued_token_verifies_until_it_expires() {
        let token = keys().issue(UserId(42), now(), Duration::from_secs(60));
        assert_eq!(keys().verify(&token, now()), Ok(UserId(42)));
        assert_eq!(keys().verify(&token, now() + Duration::from_secs(59)), Ok(UserId(42)));
        assert_eq!(keys().verify(&token, now() + Duration::from_secs(60)), Err(TokenError::Expired));
    }

    /// Interoperability, against a token made by another implementation: jwt.io's HS256 example
    /// for `{"sub":"1234567890","name":"John Doe","iat":1516239022}` with the secret
    /// `your-256-bit-secret`. It has no `exp`, so it is malformed for us, but only after its
    /// signature checked out.
    #[test]
    fn a_standard_hs256_signature_is_recognised() {
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
                     eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.\
                     SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        let keys = TokenKeys::new(b"your-256-bit-secret");
        assert_eq!(keys.verify(token, now()), Err(TokenError::Malformed));
        assert_eq!(TokenKeys::new(b"another secret").verify(token, now()), Err(TokenError::Signature));
    }

    #[test]
    fn a_token_signed_with_another_secret_or_altered_is_refused() {
        let token = keys().issue(UserId(42), now(), Duration::from_secs(60));
        let other = TokenKeys::new(b"another secret, just as long as the first");
        assert_eq!(other.verify(&token, now()), Err(TokenError::Signature));

        // Same signature, claims for another user.
        let (_, rest) = token.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let forged_claims = URL_SAFE_NO_PAD.encode(r#"{"sub":"1","iat":1800000000,"exp":1800000060}"#);
        let forged = format!("{}.{forged_claims}.{signature}", URL_SAFE_NO_PAD.encode(HEADER));
        assert_eq!(keys().verify(&forged, now()), Err(TokenError::Signature));
    }

    #[test]
    fn unsigned_and_garbled_tokens_are_refused() {
        let claims = URL_SAFE_NO_PAD.encode(r#"{"sub":"42","iat":1800000000,"exp":1900000000}"#);
        let none = format!("{}.{claims}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#));
        assert_eq!(keys().verify(&none, now()), Err(TokenError::Algorithm));
        for garbage in ["", "abc", "a.b", "a.b.c.d", "!!.!!.!!"] {
            assert_eq!(keys().verify(garbage, now()), Err(TokenError::Malformed), "{garbage}");
        }
        let token = keys().issue(UserId(42), now(), Duration::from_secs(60));
        assert_eq!(keys().verify(&format!("{token}="), now()), Err(TokenError::Malformed));
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(format!("{:?}", keys()), "TokenKeys(***)");
    }
}
