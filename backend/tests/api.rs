//! The HTTP API end to end: the real router on a real TCP socket on 127.0.0.1, a real HTTP/1
//! client (hyper's), and a freshly migrated database per test (`#[sqlx::test]`), seeded from
//! `data/fixtures.toml` as `cargo xtask seed` seeds it.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use backend::http::token::Claims;
use backend::http::{AppState, TokenKeys};
use backend::settings::JWT_SECRET_PLACEHOLDER;
use backend::throttle::ThrottlePolicy;
use backend::{ActionId, DbUrl, Hasher, Origin, Repository, Settings, UserId, Verdict, accounts};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{self, HeaderMap};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const SECRET: &[u8] = b"api-tests-secret-0123456789abcdef";

// ---------------------------------------------------------------------------------------------
// The server under test

/// The router serving on an ephemeral port of 127.0.0.1 until [`Server::stop`].
struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    pool: PgPool,
}

impl Server {
    async fn start(pool: PgPool) -> Server {
        let settings = Settings::for_tests(test_db_url(&pool), SECRET);
        Server::start_with(pool, settings).await
    }

    async fn start_with(pool: PgPool, settings: Settings) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let state = AppState::new(Repository::new(pool.clone()), Hasher::new(), &settings);
        let task = tokio::spawn(backend::http::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Server { addr, stop, task, pool }
    }

    fn client(&self) -> Client {
        Client { addr: self.addr, authorization: None }
    }

    /// A client logged in as `email`.
    async fn login(&self, email: &str, password: &str) -> Client {
        let reply =
            self.client().post_json("/auth/login", json!({ "email": email, "password": password })).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        self.client().with_token(reply.json()["token"].as_str().unwrap())
    }

    /// Registers `email` through the API and logs in.
    async fn register(&self, email: &str) -> (Client, UserId) {
        let reply = self
            .client()
            .post_json("/auth/register", json!({ "email": email, "password": "correct horse" }))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let id = UserId(reply.json()["id"].as_i64().unwrap());
        (self.login(email, "correct horse").await, id)
    }

    /// Stops accepting, lets requests in flight finish, and releases the database.
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
        self.pool.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP client: one connection per request, as curl would

#[derive(Clone)]
struct Client {
    addr: SocketAddr,
    /// The `Authorization` header to send.
    authorization: Option<String>,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| panic!("{err}: {}", self.text()))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `{"error": "..."}` message, checking that the body is exactly that.
    fn error(&self) -> String {
        let json = self.json();
        let object = json.as_object().unwrap_or_else(|| panic!("not an object: {json}"));
        assert_eq!(object.len(), 1, "{json}");
        object["error"].as_str().unwrap().to_owned()
    }
}

impl Client {
    fn with_token(&self, token: &str) -> Client {
        self.with_authorization(&format!("Bearer {token}"))
    }

    fn with_authorization(&self, value: &str) -> Client {
        Client { addr: self.addr, authorization: Some(value.to_owned()) }
    }

    /// The bearer token this client sends.
    fn token(&self) -> String {
        self.authorization.as_deref().and_then(|h| h.strip_prefix("Bearer ")).unwrap().to_owned()
    }

    async fn send(&self, method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        let stream = TcpStream::connect(self.addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
        let connection = tokio::spawn(connection);
        let mut request =
            Request::builder().method(method).uri(path).header(header::HOST, self.addr.to_string());
        if let Some(authorization) = &self.authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let response =
            sender.send_request(request.body(Full::new(Bytes::from(body))).unwrap()).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        drop(sender);
        let _ = connection.await;
        Reply { status: parts.status, headers: parts.headers, body }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, Vec::new()).await
    }

    async fn post_json(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some("application/json"), body.to_string().into_bytes()).await
    }

    /// `POST /actions` with one file part per clip.
    async fn upload(&self, clips: &[Vec<u8>]) -> Reply {
        let parts: Vec<Part> =
            clips.iter().enumerate().map(|(i, c)| Part::file("clip", &format!("cam{i}.mp4"), c)).collect();
        self.upload_parts(&parts).await
    }

    async fn upload_parts(&self, parts: &[Part<'_>]) -> Reply {
        let (content_type, body) = multipart(parts);
        self.send(Method::POST, "/actions", Some(&content_type), body).await
    }
}

struct Part<'a> {
    name: &'a str,
    file_name: Option<String>,
    content: &'a [u8],
}

impl<'a> Part<'a> {
    fn file(name: &'a str, file_name: &str, content: &'a [u8]) -> Part<'a> {
        Part { name, file_name: Some(file_name.to_owned()), content }
    }
}

/// A `multipart/form-data` body, as a browser's `FormData` or `curl -F clip=@cam1.mp4` sends it.
fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "referai-test-boundary-5a1d2c";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match &part.file_name {
            Some(file) => {
                format!("form-data; name=\"{}\"; filename=\"{file}\"\r\nContent-Type: video/mp4", part.name)
            }
            None => format!("form-data; name=\"{}\"", part.name),
        };
        body.extend_from_slice(format!("Content-Disposition: {disposition}\r\n\r\n").as_bytes());
        body.extend_from_slice(part.content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// The 16 bytes an MP4 file starts with: an `ftyp` box of brand `isom`.
const MP4_HEADER: &[u8; 16] = b"\0\0\0\x10ftypisom\0\0\x02\0";

/// `n` distinct clips of `len` bytes (at least 16), each starting as an MP4 file does.
fn clips(n: usize, len: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut clip: Vec<u8> = (0..len).map(|b| (b + i * 7) as u8).collect();
            let head = len.min(MP4_HEADER.len());
            clip[..head].copy_from_slice(&MP4_HEADER[..head]);
            clip
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The seed, as `cargo xtask seed` loads it from data/

/// What [`seed`] loaded.
struct Seeded {
    email: String,
    password: String,
    action: ActionId,
    uploaded_at: OffsetDateTime,
    clip_files: Vec<Vec<u8>>,
    verdict: Verdict,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

/// Loads the fixtures in `data/` (read by `fixtures::Fixtures::load`, the parser `cargo xtask
/// seed` uses) through the repository: its users (argon2-hashed), its actions with the clip files
/// from `data/clips/` and their `uploaded_at`, and their predictions. Returns the first action,
/// the admin's.
async fn seed(pool: &PgPool) -> Seeded {
    let fixtures = fixtures::Fixtures::load(&data_dir()).unwrap();
    let (repo, hasher) = (Repository::new(pool.clone()), Hasher::new());
    let mut users = Vec::new();
    for user in &fixtures.users {
        let id = accounts::register(&repo, &hasher, &user.email, &user.password).await.unwrap().id;
        users.push((user.email.clone(), id));
    }
    let mut first = None;
    for action in &fixtures.actions {
        let owner = users.iter().find(|(email, _)| *email == action.user).unwrap().1;
        let files = action.clips.clone();
        let id = repo.create_action(owner, files.clone()).await.unwrap().action.id;
        let uploaded_at = OffsetDateTime::parse(&action.uploaded_at, &Rfc3339).unwrap();
        sqlx::query!("UPDATE action SET created_at = $1 WHERE id = $2", uploaded_at, id.0)
            .execute(pool)
            .await
            .unwrap();
        let verdict = action.prediction.as_ref().map(fixture_verdict);
        if let Some(verdict) = &verdict {
            repo.store_prediction(id, verdict).await.unwrap();
        }
        first.get_or_insert((id, uploaded_at, files, verdict.unwrap()));
    }
    let admin = &fixtures.users[0];
    let (action, uploaded_at, clip_files, verdict) = first.unwrap();
    Seeded {
        email: admin.email.clone(),
        password: admin.password.clone(),
        action,
        uploaded_at,
        clip_files,
        verdict,
    }
}

/// A fixture prediction as the repository stores it; its model results must match the backend's
/// types.
fn fixture_verdict(prediction: &fixtures::Prediction) -> Verdict {
    let [
        foul_confidence,
        no_foul_confidence,
        no_card_confidence,
        yellow_card_confidence,
        red_card_confidence,
    ] = prediction.confidences;
    Verdict {
        is_foul: prediction.is_foul,
        foul_confidence,
        no_foul_confidence,
        no_card_confidence,
        red_card_confidence,
        yellow_card_confidence,
        foul_model_results: serde_json::from_str(&prediction.foul_model_results).unwrap(),
        severity_model_results: serde_json::from_str(&prediction.severity_model_results).unwrap(),
    }
}

/// The verdict's fields as the API returns them, for comparing with a JSON body.
fn verdict_json(verdict: &Verdict) -> Value {
    serde_json::to_value(verdict).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The guide's promise: the seeded admin logs in and sees the seeded action

#[sqlx::test(migrations = "../migrations")]
async fn the_seeded_admin_logs_in_and_reads_the_seeded_action_clips_and_prediction(pool: PgPool) {
    let seeded = seed(&pool).await;
    assert_eq!((seeded.email.as_str(), seeded.password.as_str()), ("admin@admin.com", "admin@admin.com"));
    let server = Server::start(pool).await;

    let login = server
        .client()
        .post_json("/auth/login", json!({ "email": "admin@admin.com", "password": "admin@admin.com" }))
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text());
    let login = login.json();
    assert_eq!(login["token_type"], "Bearer");
    assert_eq!(login["user"]["email"], "admin@admin.com");
    assert_eq!(login["expires_in"], backend::settings::DEFAULT_TOKEN_TTL.as_secs());
    let token = login["token"].as_str().unwrap();
    let admin_id = TokenKeys::new(SECRET).verify(token, OffsetDateTime::now_utc()).unwrap();
    assert_eq!(login["user"]["id"], admin_id.0);
    let admin = server.client().with_token(token);

    // The latest action, with its clips' ids and sizes and its prediction.
    let last = admin.get("/actions/last").await;
    assert_eq!(last.status, StatusCode::OK, "{}", last.text());
    let last = last.json();
    assert_eq!(last["id"], seeded.action.0);
    assert_eq!(last["user_id"], admin_id.0);
    assert_eq!(last["created_at"], seeded.uploaded_at.format(&Rfc3339).unwrap());
    let clips = last["clips"].as_array().unwrap();
    assert_eq!(clips.len(), seeded.clip_files.len());
    for (clip, file) in clips.iter().zip(&seeded.clip_files) {
        assert_eq!(clip.as_object().unwrap().len(), 2, "ids and sizes, never bytes: {clip}");
        assert_eq!(clip["size"], file.len());
    }
    let prediction = &last["prediction"];
    assert_eq!(prediction["action_id"], seeded.action.0);
    for (key, value) in verdict_json(&seeded.verdict).as_object().unwrap() {
        assert_eq!(&prediction[key], value, "{key}");
    }

    // The same action by id.
    let by_id = admin.get(&format!("/actions/{}", seeded.action.0)).await;
    assert_eq!(by_id.status, StatusCode::OK);
    assert_eq!(by_id.json(), last);

    // Each clip's bytes equal the file in data/clips/, in upload order.
    let files: Vec<Vec<u8>> = ["admin-incident-cam1.mp4", "admin-incident-cam2.mp4"]
        .iter()
        .map(|name| std::fs::read(data_dir().join("clips").join(name)).unwrap())
        .collect();
    for (clip, file) in clips.iter().zip(&files) {
        let reply = admin.get(&format!("/clips/{}", clip["id"])).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.headers[header::CONTENT_TYPE], "video/mp4");
        assert_eq!(reply.headers[header::CONTENT_LENGTH], file.len().to_string().as_str());
        assert!(reply.body == file[..], "clip {} differs from its file", clip["id"]);
    }

    // The prediction on its own.
    let reply = admin.get(&format!("/actions/{}/prediction", seeded.action.0)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(&reply.json(), prediction);

    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Accounts

#[sqlx::test(migrations = "../migrations")]
async fn register_is_201_then_409_for_the_same_email_and_422_for_bad_input(pool: PgPool) {
    let server = Server::start(pool).await;
    let client = server.client();

    let created = client
        .post_json("/auth/register", json!({ "email": "ref@club.org", "password": "offside trap" }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let user = created.json();
    assert_eq!(user["email"], "ref@club.org");
    assert!(user["id"].is_i64() && user["created_at"].is_string(), "{user}");
    assert!(!created.text().contains("argon2") && !created.text().contains("offside"), "{}", created.text());

    let again = client
        .post_json("/auth/register", json!({ "email": "ref@club.org", "password": "another one" }))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error(), "a user with this email already exists");

    let refused = [
        (json!({ "email": "not-an-email", "password": "offside trap" }), "email must look like"),
        (json!({ "email": "a@b.co", "password": "short" }), "at least 8 characters"),
        (json!({ "email": "a@b.co", "password": "A@B.CO" }), "at least 8"),
        (json!({ "email": "ref2@club.org", "password": "ref2@club.org" }), "must not be the email"),
        (json!({ "email": "a@b.co" }), "missing field `password`"),
        (json!({ "email": 42, "password": "offside trap" }), "invalid type"),
        (json!("a@b.co"), "invalid type"),
    ];
    for (body, reason) in refused {
        let reply = client.post_json("/auth/register", body.clone()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(reply.error().contains(reason), "{body}: {}", reply.error());
    }
    let not_json =
        client.send(Method::POST, "/auth/register", Some("application/json"), b"{\"email\":".to_vec()).await;
    assert_eq!(not_json.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!not_json.error().is_empty());
    let form = client.send(Method::POST, "/auth/register", Some("text/plain"), b"email=a".to_vec()).await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(form.error().contains("application/json"));
    let huge = client
        .post_json("/auth/register", json!({ "email": "big@club.org", "password": "x".repeat(100_000) }))
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    huge.error();

    // Only the first registration wrote a row.
    let users = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM user_account"#)
        .fetch_one(&server.pool)
        .await
        .unwrap();
    assert_eq!(users, 1);

    // And it can log in.
    server.login("ref@club.org", "offside trap").await;
    server.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_wrong_password_and_an_unknown_email_are_the_same_401(pool: PgPool) {
    seed(&pool).await;
    let server = Server::start(pool).await;
    let client = server.client();

    let wrong_password = client
        .post_json("/auth/login", json!({ "email": "admin@admin.com", "password": "admin@admin.org" }))
        .await;
    let unknown_email = client
        .post_json("/auth/login", json!({ "email": "nobody@admin.com", "password": "admin@admin.com" }))
        .await;
    for reply in [&wrong_password, &unknown_email] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.headers[header::WWW_AUTHENTICATE], "Bearer");
    }
    assert_eq!(wrong_password.body, unknown_email.body);
    assert_eq!(wrong_password.error(), "wrong email or password");

    let missing = client.post_json("/auth/login", json!({ "email": "admin@admin.com" })).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    server.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_case_or_unicode_variant_of_a_taken_email_is_409_and_logs_in_to_the_same_account(pool: PgPool) {
    let server = Server::start(pool).await;
    let (_, admin) = server.register("admin@admin.com").await;
    for variant in ["Admin@admin.com", "ADMIN@ADMIN.COM", "\u{ff41}dmin@admin.com", "\u{ff21}DMIN@admin.com"]
    {
        let reply = server
            .client()
            .post_json("/auth/register", json!({ "email": variant, "password": "phishing rod" }))
            .await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{variant}: {}", reply.text());
        assert_eq!(reply.error(), "a user with this email already exists");

        // Typed in capitals (or full width), it is the same account, shown as registered.
        let login = server
            .client()
            .post_json("/auth/login", json!({ "email": variant, "password": "correct horse" }))
            .await;
        assert_eq!(login.status, StatusCode::OK, "{variant}: {}", login.text());
        assert_eq!(login.json()["user"]["id"], admin.0);
        assert_eq!(login.json()["user"]["email"], "admin@admin.com");
    }
    let users = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM user_account"#)
        .fetch_one(&server.pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
    server.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_nul_character_or_an_oversized_email_is_422_never_500(pool: PgPool) {
    seed(&pool).await;
    let server = Server::start(pool).await;
    let client = server.client();
    // U+FDFA is one character that NFKC turns into 18: 200 of them pass the 255-character limit
    // but not the index entry's size.
    let expanding = format!("{}@club.org", "\u{fdfa}".repeat(200));
    let cases = [
        ("/auth/login", json!({ "email": "admin@admin.com\u{0}", "password": "admin@admin.com" })),
        ("/auth/login", json!({ "email": "\u{0}", "password": "x" })),
        ("/auth/login", json!({ "email": "admin@admin.com", "password": "admin@admin.com\u{0}" })),
        ("/auth/login", json!({ "email": format!("{}@club.org", "a".repeat(300)), "password": "x" })),
        ("/auth/register", json!({ "email": "nul\u{0}@club.org", "password": "offside trap" })),
        ("/auth/register", json!({ "email": "ref@club.org", "password": "offside\u{0}trap" })),
        ("/auth/register", json!({ "email": expanding, "password": "offside trap" })),
    ];
    for (path, body) in cases {
        let reply = client.post_json(path, body.clone()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}: {}", reply.text());
        reply.error();
    }
    // The login still works, and the refused requests left no account behind.
    server.login("admin@admin.com", "admin@admin.com").await;
    let refs =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM user_account WHERE email LIKE '%club.org'"#)
            .fetch_one(&server.pool)
            .await
            .unwrap();
    assert_eq!(refs, 0);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The login throttle

const HOUR: Duration = Duration::from_secs(3600);

/// Settings whose locks last hours, so that no test depends on how fast it runs: time passes
/// by [`expire_locks`] instead.
fn throttled(pool: &PgPool, account_failures: i32, address_failures: i32) -> Settings {
    let login_throttle = ThrottlePolicy {
        account_failures,
        address_failures,
        first_lock: HOUR,
        longest_lock: 4 * HOUR,
        forget_after: 24 * HOUR,
    };
    Settings { login_throttle, ..Settings::for_tests(test_db_url(pool), SECRET) }
}

/// A second backend process on the same database: its own pool, its own server.
async fn second_server(pool: &PgPool, settings: Settings) -> Server {
    let options = pool.connect_options().as_ref().clone();
    Server::start_with(PgPool::connect_with(options).await.unwrap(), settings).await
}

/// Ends every lock, as waiting it out would.
async fn expire_locks(pool: &PgPool) {
    sqlx::query!("UPDATE login_throttle SET locked_until = now() WHERE locked_until > now()")
        .execute(pool)
        .await
        .unwrap();
}

async fn try_login(server: &Server, email: &str, password: &str) -> Reply {
    server.client().post_json("/auth/login", json!({ "email": email, "password": password })).await
}

/// The `Retry-After` of a 429, in seconds.
fn retry_after(reply: &Reply) -> u64 {
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.text());
    assert!(reply.error().starts_with("too many failed logins; try again in"), "{}", reply.text());
    reply.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn failed_logins_on_two_servers_lock_the_account_with_429_and_a_doubling_retry_after(pool: PgPool) {
    let settings = throttled(&pool, 3, 1000);
    let (a, b) =
        (Server::start_with(pool.clone(), settings.clone()).await, second_server(&pool, settings).await);
    a.register("ref@club.org").await;

    // Three failures, alternating between the two processes, then the account is locked for
    // both, whether the password is right or not, and for any spelling of the email.
    for server in [&a, &b, &a] {
        assert_eq!(try_login(server, "ref@club.org", "wrong guess").await.status, StatusCode::UNAUTHORIZED);
    }
    for (server, email, password) in [
        (&b, "ref@club.org", "wrong guess"),
        (&a, "ref@club.org", "correct horse"),
        (&b, "REF@club.org", "x"),
    ] {
        let wait = retry_after(&try_login(server, email, password).await);
        assert!((3590..=3600).contains(&wait), "{wait}");
    }

    // Each failure after a lock doubles the next one, up to the longest (4 h).
    for expected in [2 * 3600, 4 * 3600, 4 * 3600] {
        expire_locks(&a.pool).await;
        assert_eq!(try_login(&b, "ref@club.org", "wrong guess").await.status, StatusCode::UNAUTHORIZED);
        let wait = retry_after(&try_login(&a, "ref@club.org", "wrong guess").await);
        assert!((expected - 10..=expected).contains(&wait), "{wait}, expected {expected}");
    }

    // Once unlocked, the right password gets in and clears the failures: three more guesses
    // are allowed before the next lock.
    expire_locks(&a.pool).await;
    assert_eq!(try_login(&b, "ref@club.org", "correct horse").await.status, StatusCode::OK);
    for server in [&a, &b, &a] {
        assert_eq!(try_login(server, "ref@club.org", "wrong guess").await.status, StatusCode::UNAUTHORIZED);
    }
    retry_after(&try_login(&b, "ref@club.org", "correct horse").await);
    // Another account is not affected.
    b.register("other@club.org").await;
    a.stop().await;
    b.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_wrong_logins_on_two_servers_check_no_more_passwords_than_the_limit(pool: PgPool) {
    let settings = throttled(&pool, 3, 1000);
    let (a, b) =
        (Server::start_with(pool.clone(), settings.clone()).await, second_server(&pool, settings).await);
    a.register("ref@club.org").await;
    let guesses = (0..16).map(|i| {
        let client = if i % 2 == 0 { a.client() } else { b.client() };
        async move {
            client
                .post_json(
                    "/auth/login",
                    json!({ "email": "ref@club.org", "password": format!("guess {i}") }),
                )
                .await
        }
    });
    let replies = futures_join_all(guesses).await;
    let checked = replies.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
    let refused = replies.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (3, 13), "no lost update lets a fourth guess through");
    let failures = sqlx::query_scalar!("SELECT failures FROM login_throttle WHERE scope = 'account'")
        .fetch_one(&a.pool)
        .await
        .unwrap();
    assert_eq!(failures, 3);
    a.stop().await;
    b.stop().await;
}

/// Runs the futures concurrently, each on its own task, and returns their outputs in order.
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let tasks: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(tasks.len());
    for task in tasks {
        outputs.push(task.await.unwrap());
    }
    outputs
}

#[sqlx::test(migrations = "../migrations")]
async fn failures_at_many_accounts_lock_the_address_and_successful_logins_never_count(pool: PgPool) {
    let server = Server::start_with(pool.clone(), throttled(&pool, 1000, 4)).await;
    server.register("ref@club.org").await;

    // Successes, however many, are never counted against the address.
    for _ in 0..6 {
        assert_eq!(try_login(&server, "ref@club.org", "correct horse").await.status, StatusCode::OK);
    }
    // Failures are, whichever email they name; a success in between refunds only itself.
    for email in ["a@club.org", "b@club.org", "c@club.org"] {
        assert_eq!(try_login(&server, email, "guess").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(try_login(&server, "ref@club.org", "correct horse").await.status, StatusCode::OK);
    assert_eq!(try_login(&server, "d@club.org", "guess").await.status, StatusCode::UNAUTHORIZED);
    // The fourth failure locked this address for every account.
    let wait = retry_after(&try_login(&server, "ref@club.org", "correct horse").await);
    assert!((3590..=3600).contains(&wait), "{wait}");
    let wait = retry_after(&try_login(&server, "e@club.org", "guess").await);
    assert!((3590..=3600).contains(&wait), "{wait}");
    // No email is kept in clear.
    let subjects = sqlx::query_scalar!("SELECT subject FROM login_throttle WHERE scope = 'account'")
        .fetch_all(&server.pool)
        .await
        .unwrap();
    assert!(subjects.iter().all(|s| s.len() == 64 && !s.contains('@')), "{subjects:?}");
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Uploads

#[sqlx::test(migrations = "../migrations")]
async fn an_upload_of_two_to_four_clips_is_201_and_reads_back_byte_for_byte(pool: PgPool) {
    let server = Server::start(pool).await;
    let (client, user) = server.register("ref@club.org").await;

    // Nothing uploaded yet.
    let none = client.get("/actions/last").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_eq!(none.error(), "no action uploaded yet");

    for count in [2, 3, 4] {
        let sent = clips(count, 10_000 + count);
        let created = client.upload(&sent).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let action = created.json();
        let id = action["id"].as_i64().unwrap();
        assert_eq!(created.headers[header::LOCATION], format!("/actions/{id}").as_str());
        assert_eq!(action["user_id"], user.0);
        assert_eq!(action["prediction"], Value::Null);
        let listed = action["clips"].as_array().unwrap();
        assert_eq!(listed.len(), count);

        // The newest action is this one, identical to what the upload answered.
        let last = client.get("/actions/last").await;
        assert_eq!(last.json(), action);

        for (clip, bytes) in listed.iter().zip(&sent) {
            assert_eq!(clip["size"], bytes.len());
            let reply = client.get(&format!("/clips/{}", clip["id"])).await;
            assert_eq!(reply.status, StatusCode::OK);
            assert!(reply.body == bytes[..], "clip {} differs", clip["id"]);
        }

        // No prediction until the models answer.
        let prediction = client.get(&format!("/actions/{id}/prediction")).await;
        assert_eq!(prediction.status, StatusCode::NOT_FOUND);
        assert_eq!(prediction.error(), "no prediction for this action yet");
    }
    server.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_upload_with_another_clip_count_or_a_bad_part_is_422_and_writes_nothing(pool: PgPool) {
    let server = Server::start(pool).await;
    let (client, _) = server.register("ref@club.org").await;

    for count in [0, 1, 5, 6] {
        let reply = client.upload(&clips(count, 100)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{count} clips");
        assert!(reply.error().starts_with("an action needs 2 to 4 clips"), "{}", reply.error());
    }

    let clip = clips(1, 100).remove(0);
    let not_a_file =
        [Part::file("clip", "a.mp4", &clip), Part { name: "note", file_name: None, content: b"hi" }];
    let reply = client.upload_parts(&not_a_file).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error(), "part 2 (`note`) is not a file: send each clip as a file part");

    let empty = [Part::file("clip", "a.mp4", &clip), Part::file("clip", "b.mp4", b"")];
    let reply = client.upload_parts(&empty).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error(), "clip 2 is empty");

    let json = client.post_json("/actions", json!({ "clips": [] })).await;
    assert_eq!(json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(json.error().contains("multipart/form-data"), "{}", json.error());

    let garbled = client
        .send(Method::POST, "/actions", Some("multipart/form-data; boundary=x"), b"--x\r\nnonsense".to_vec())
        .await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
    garbled.error();

    let actions =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM action"#).fetch_one(&server.pool).await.unwrap();
    assert_eq!(actions, 0);
    server.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_clip_that_is_not_mp4_mov_webm_or_matroska_is_415_and_each_is_served_as_detected(pool: PgPool) {
    let server = Server::start(pool).await;
    let (client, _) = server.register("ref@club.org").await;
    let mp4 = clips(1, 100).remove(0);
    let mut mov = mp4.clone();
    mov[8..12].copy_from_slice(b"qt  ");
    let ebml = |doc_type: &[u8]| {
        let mut file = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82];
        file.push(0x80 | doc_type.len() as u8);
        file.extend_from_slice(doc_type);
        file.extend_from_slice(&[0x18, 0x53, 0x80, 0x67, 1, 2, 3]);
        file
    };
    let (webm, mkv) = (ebml(b"webm"), ebml(b"matroska"));
    let mut heic = mp4.clone();
    heic[8..12].copy_from_slice(b"heic");

    // Whatever the part claims to be (the test parts all say video/mp4), its bytes decide.
    for junk in [
        b"<!doctype html><script>alert(document.cookie)</script>".to_vec(),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01".to_vec(),
        heic,
        b"\0\0\0\x10ftyp".to_vec(),
    ] {
        let reply = client.upload(&[mp4.clone(), junk.clone()]).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", String::from_utf8_lossy(&junk));
        assert!(
            reply.error().starts_with("clip 2 is not an MP4/MOV or WebM/Matroska video"),
            "{}",
            reply.text()
        );
    }
    let actions =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM action"#).fetch_one(&server.pool).await.unwrap();
    assert_eq!(actions, 0);

    let created = client.upload(&[mp4.clone(), mov.clone(), webm.clone(), mkv.clone()]).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let expected = ["video/mp4", "video/quicktime", "video/webm", "video/x-matroska"];
    for ((clip, sent), content_type) in
        created.json()["clips"].as_array().unwrap().iter().zip([mp4, mov, webm, mkv]).zip(expected)
    {
        let reply = client.get(&format!("/clips/{}", clip["id"])).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.headers[header::CONTENT_TYPE], content_type);
        assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(reply.body == sent[..]);
    }

    // A clip stored before uploads were checked is never served as a video.
    let legacy = created.json()["clips"][0]["id"].as_i64().unwrap();
    sqlx::query!("UPDATE clip SET content = '<html>hi</html>'::bytea WHERE id = $1", legacy)
        .execute(&server.pool)
        .await
        .unwrap();
    let reply = client.get(&format!("/clips/{legacy}")).await;
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/octet-stream");
    assert_eq!(reply.headers[header::CONTENT_DISPOSITION], "attachment");
    server.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_clip_over_the_configured_limit_is_413_and_writes_nothing(pool: PgPool) {
    let limit = 64 * 1024;
    let settings = Settings { max_clip_bytes: limit, ..Settings::for_tests(test_db_url(&pool), SECRET) };
    let server = Server::start_with(pool, settings).await;
    let (client, _) = server.register("ref@club.org").await;

    // Exactly at the limit is accepted.
    let at_limit = clips(2, limit);
    assert_eq!(client.upload(&at_limit).await.status, StatusCode::CREATED);

    // One byte over, in any position.
    let mut over = clips(3, 1000);
    over[1] = vec![7; limit + 1];
    let reply = client.upload(&over).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error(), format!("clip 2 is larger than the limit of {limit} bytes"));

    // A body over the whole upload's limit is cut off by the body limit itself.
    let reply = client.upload(&clips(4, 2 * limit)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    reply.error();

    let actions =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM action"#).fetch_one(&server.pool).await.unwrap();
    assert_eq!(actions, 1);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Ownership and tokens

#[sqlx::test(migrations = "../migrations")]
async fn a_token_for_one_user_cannot_read_another_users_action_clip_or_prediction(pool: PgPool) {
    let seeded = seed(&pool).await;
    let server = Server::start(pool).await;
    let admin = server.login(&seeded.email, &seeded.password).await;
    let (bob, _) = server.register("bob@club.org").await;

    let admins = admin.get("/actions/last").await.json();
    let clip = admins["clips"][0]["id"].as_i64().unwrap();
    let action = seeded.action.0;

    // Bob has nothing of his own, and the admin's rows look like rows that do not exist.
    assert_eq!(bob.get("/actions/last").await.status, StatusCode::NOT_FOUND);
    for (path, message) in [
        (format!("/actions/{action}"), "action not found"),
        (format!("/actions/{action}/prediction"), "action not found"),
        (format!("/clips/{clip}"), "clip not found"),
    ] {
        let reply = bob.get(&path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.error(), message, "{path}");
        let missing = path.replace(&action.to_string(), "999999").replace(&clip.to_string(), "999999");
        assert_eq!(admin.get(&missing).await.body, reply.body, "{missing}: same answer as for no such row");
    }

    // Bob's upload is his latest, not the admin's, and the admin cannot read it either.
    let bobs = bob.upload(&clips(2, 500)).await.json();
    assert_eq!(bob.get("/actions/last").await.json(), bobs);
    assert_eq!(admin.get("/actions/last").await.json(), admins);
    assert_eq!(admin.get(&format!("/actions/{}", bobs["id"])).await.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.get(&format!("/clips/{}", bobs["clips"][0]["id"])).await.status, StatusCode::NOT_FOUND);
    server.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn missing_malformed_expired_tampered_and_foreign_tokens_are_401(pool: PgPool) {
    let seeded = seed(&pool).await;
    let server = Server::start(pool).await;
    let admin = server.login(&seeded.email, &seeded.password).await;
    let (_, bob) = server.register("bob@club.org").await;
    let token = admin.token();
    let admin_id = TokenKeys::new(SECRET).verify(&token, OffsetDateTime::now_utc()).unwrap();
    let now = OffsetDateTime::now_utc().unix_timestamp();

    // Every endpoint but login, register and health needs a token.
    let anonymous = server.client();
    let action = seeded.action.0;
    let paths = [
        "/actions/last".to_owned(),
        format!("/actions/{action}"),
        format!("/actions/{action}/prediction"),
        "/clips/1".to_owned(),
    ];
    for path in &paths {
        let reply = anonymous.get(path).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(reply.error(), "missing bearer token");
        assert_eq!(reply.headers[header::WWW_AUTHENTICATE], "Bearer");
    }
    assert_eq!(anonymous.upload(&clips(2, 10)).await.status, StatusCode::UNAUTHORIZED);

    let (header_and_claims, signature) = token.rsplit_once('.').unwrap();
    let (header_part, _) = header_and_claims.split_once('.').unwrap();
    let b64 = |json: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    };
    let claims = |sub: i64, exp: i64| format!(r#"{{"sub":"{sub}","iat":{},"exp":{exp}}}"#, now - 10);
    let mut flipped = signature.to_owned().into_bytes();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let bad_tokens = [
        // Expired an hour ago, properly signed.
        TokenKeys::new(SECRET).sign(&Claims {
            sub: admin_id.0.to_string(),
            iat: now - 7200,
            exp: now - 3600,
        }),
        // The admin's signature over claims rewritten for bob.
        format!("{header_part}.{}.{signature}", b64(&claims(bob.0, now + 3600))),
        // The admin's claims with an extended expiry.
        format!("{header_part}.{}.{signature}", b64(&claims(admin_id.0, now + 86_400 * 365))),
        // One character of the signature changed.
        format!("{header_and_claims}.{}", String::from_utf8(flipped).unwrap()),
        // Signed with another secret.
        TokenKeys::new(b"someone else's secret, long enough").issue(
            admin_id,
            OffsetDateTime::now_utc(),
            Duration::from_secs(60),
        ),
        // Unsigned.
        format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&claims(admin_id.0, now + 3600))),
        "not-a-token".to_owned(),
    ];
    for bad in &bad_tokens {
        let reply = admin.with_token(bad).get("/actions/last").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(reply.error(), "invalid or expired token", "{bad}");
    }
    // Another scheme than Bearer.
    let reply = admin
        .with_authorization("Basic YWRtaW5AYWRtaW4uY29tOmFkbWluQGFkbWluLmNvbQ==")
        .get("/actions/last")
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error(), "expected Authorization: Bearer <token>");

    // The genuine token still works.
    assert_eq!(admin.get("/actions/last").await.status, StatusCode::OK);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Health and routing

#[sqlx::test(migrations = "../migrations")]
async fn health_is_200_with_the_applied_migration(pool: PgPool) {
    let server = Server::start(pool).await;
    let reply = server.client().get("/health").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let newest = backend::MIGRATOR.iter().map(|m| m.version).max().unwrap();
    assert_eq!(reply.json(), json!({ "status": "ok", "migration": newest }));
    server.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn health_is_503_when_the_database_is_behind_the_migrations(pool: PgPool) {
    // Pretend the newest migration was never applied.
    sqlx::query!("DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)")
        .execute(&pool)
        .await
        .unwrap();
    let server = Server::start(pool).await;
    let reply = server.client().get("/health").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let error = reply.error();
    assert!(error.starts_with("database is behind") && error.contains("cargo xtask migrate"), "{error}");
    server.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn health_is_503_when_the_database_has_a_migration_this_build_does_not_know(pool: PgPool) {
    // What a newer build's `cargo xtask migrate` would leave behind.
    sqlx::query!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99991231235959, 'from a newer build', true, decode('00', 'hex'), 0)"
    )
    .execute(&pool)
    .await
    .unwrap();
    let server = Server::start(pool).await;
    let reply = server.client().get("/health").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.error().starts_with("database has migration 99991231235959"), "{}", reply.error());
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn health_is_503_on_a_database_never_migrated(pool: PgPool) {
    let server = Server::start(pool).await;
    let reply = server.client().get("/health").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.error().starts_with("database is behind: migration none applied"), "{}", reply.error());
    server.stop().await;
}

#[tokio::test]
async fn health_is_503_when_the_database_is_unreachable() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let options = DbUrl::parse(&format!("postgres://nobody@127.0.0.1:{port}/nowhere"), Origin::Given)
        .unwrap()
        .connect_options();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(options);
    let server = Server::start(pool).await;
    let reply = server.client().get("/health").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.error().starts_with("database unreachable"), "{}", reply.error());

    // Other endpoints say so too, rather than a bare 500.
    let token = TokenKeys::new(SECRET).issue(UserId(1), OffsetDateTime::now_utc(), Duration::from_secs(60));
    let reply = server.client().with_token(&token).get("/actions/last").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.error(), "database unavailable, try again later");
    server.stop().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_paths_ids_and_methods_answer_in_the_error_format(pool: PgPool) {
    let server = Server::start(pool).await;
    let (client, _) = server.register("ref@club.org").await;
    for path in ["/nope", "/actions/abc", "/clips/1.5", "/actions/1/nope"] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        reply.error();
    }
    let reply = client.send(Method::DELETE, "/actions/last", None, Vec::new()).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    reply.error();
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The binary: `cargo run -p backend`

/// The test database's URL: the server of `DATABASE_URL`, the pool's database.
fn test_db_url(pool: &PgPool) -> DbUrl {
    let server = std::env::var("DATABASE_URL").expect("the tests need DATABASE_URL");
    let database = pool.connect_options().get_database().unwrap().to_owned();
    DbUrl::parse(&server, Origin::Given).unwrap().with_database(&database)
}

/// The test database's URL for a child process.
fn database_url(pool: &PgPool) -> String {
    test_db_url(pool).secret_url().to_owned()
}

fn backend_command(pool: &PgPool, dir: &Path, secret: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_backend"));
    command
        .current_dir(dir)
        .env("DB_URL", database_url(pool))
        .env("JWT_SECRET", secret)
        .env("BIND_ADDR", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[sqlx::test(migrations = "../migrations")]
async fn the_binary_refuses_the_placeholder_secret_unless_dev_and_then_serves(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();

    for secret in [JWT_SECRET_PLACEHOLDER, ""] {
        let output = backend_command(&pool, dir.path(), secret).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.starts_with("error: JWT_SECRET"), "{stderr}");
        assert!(stderr.contains("--dev") && stderr.contains("openssl rand"), "{stderr}");
    }

    // With --dev it starts, says why it should not, and serves.
    let mut child = backend_command(&pool, dir.path(), JWT_SECRET_PLACEHOLDER).arg("--dev").spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    });
    let line = tokio::time::timeout(Duration::from_secs(30), line).await.expect("no start-up line").unwrap();
    let addr: SocketAddr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected start-up line: {line}"))
        .parse()
        .unwrap();
    let health = Client { addr, authorization: None }.get("/health").await;
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(health.status, StatusCode::OK, "{}", health.text());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("warning: --dev: starting anyway"), "{stderr}");
    pool.close().await;
}

// ---------------------------------------------------------------------------------------------
// Users the old Python app created

/// The admin's bcrypt hash as the old app stored it, read from the Alembic fixture's dump (the
/// database `cargo xtask adopt` takes over keeps it byte for byte).
fn alembic_admin_hash() -> String {
    let dump = Path::new(env!("CARGO_MANIFEST_DIR")).join("../xtask/tests/data/alembic/referaidb.sql");
    let dump = std::fs::read_to_string(dump).unwrap();
    let rows = dump.split("COPY public.users ").nth(1).unwrap();
    let admin = rows.lines().nth(1).unwrap();
    admin.split('\t').nth(2).unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn legacy_python_hashes_log_in_once_then_are_argon2id(pool: PgPool) {
    let users = [
        ("admin@admin.com", alembic_admin_hash()),
        // werkzeug 3, passlib 1.7, each of "admin@admin.com".
        (
            "werkzeug@old.app",
            "pbkdf2:sha256:1000$NpoUl6KR9aVAlAec$f92f4a04d78040c2d3184b2f594a48066ece2077463bd666264e6f51ca410072".into(),
        ),
        ("passlib@old.app", "$pbkdf2-sha256$1000$ZKzVWsu5955zzrm3NqbUeg$ci4vlUgwNodWLs58Byah2PfBsTbFgm7rDUcsqwW2zRI".into()),
        ("unknown@old.app", "md5$0123$abcdef".into()),
    ];
    for (email, hash) in &users {
        sqlx::query("INSERT INTO user_account (email, password) VALUES ($1, $2)")
            .bind(email)
            .bind(hash)
            .execute(&pool)
            .await
            .unwrap();
    }
    assert!(users[0].1.starts_with("$2b$12$"), "the fixture's admin has a bcrypt hash: {}", users[0].1);
    let server = Server::start(pool.clone()).await;
    let client = server.client();
    let stored = async |email: &str| -> String {
        sqlx::query_scalar("SELECT password FROM user_account WHERE email = $1")
            .bind(email)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    for (email, _) in &users[..3] {
        let wrong = client.post_json("/auth/login", json!({ "email": email, "password": "nope" })).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{email}");
        server.login(email, "admin@admin.com").await;
        assert!(stored(email).await.starts_with("$argon2id$"), "{email} was rehashed at login");
        server.login(email, "admin@admin.com").await;
    }
    let unknown = client
        .post_json("/auth/login", json!({ "email": "unknown@old.app", "password": "admin@admin.com" }))
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "an unknown format is a 401, not a 500");
    assert_eq!(stored("unknown@old.app").await, "md5$0123$abcdef");
    server.stop().await;
}
