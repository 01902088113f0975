//! A PostgreSQL server of a test's own that speaks only TLS (`hostssl`), with a certificate for
//! `localhost` signed by a CA made for the test (openssl CLI), and a second CA that signed
//! nothing. Stopped and removed when dropped. Shared by the xtask's and the backend's TLS tests
//! (the backend includes this file by path).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The server and its certificates.
pub struct TlsServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    as_postgres: bool,
}

impl TlsServer {
    /// Makes the certificates, runs `initdb` and starts the server with `ssl = on`.
    pub fn start() -> TlsServer {
        // Under /tmp: the socket path must stay short.
        let dir = tempfile::Builder::new().prefix("tls-pg").tempdir_in("/tmp").unwrap();
        let as_postgres = run(Command::new("id").arg("-u")).trim() == "0";
        let server = TlsServer { bin: server_bin(), port: free_port(), as_postgres, dir };
        server.make_certificates();
        let data = server.data();
        server.as_server_user(
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"],
        );
        let dir = server.path().display().to_string();
        let conf = format!(
            "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\nssl = on\n\
             ssl_cert_file = '{dir}/server.crt'\nssl_key_file = '{dir}/server.key'\nfsync = off\n",
            server.port
        );
        append(&Path::new(&data).join("postgresql.conf"), &conf);
        // TLS only: a client program that connected without it would be refused.
        std::fs::write(Path::new(&data).join("pg_hba.conf"), "hostssl all all 127.0.0.1/32 trust\n").unwrap();
        let log = format!("{dir}/server.log");
        server.as_server_user("pg_ctl", &["-D", &data, "-l", &log, "-w", "start"]);
        server
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn data(&self) -> String {
        self.path().join("data").display().to_string()
    }

    /// The CA that signed the server's certificate.
    pub fn ca(&self) -> String {
        self.path().join("ca.pem").display().to_string()
    }

    /// A CA that signed nothing this server has.
    pub fn other_ca(&self) -> String {
        self.path().join("other-ca.pem").display().to_string()
    }

    /// `postgres://postgres@HOST:PORT/DATABASE` followed by `query` (e.g. `?sslmode=require`).
    pub fn url(&self, host: &str, database: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/{database}{query}", self.port)
    }

    /// Turns TLS off and lets plain connections in, then waits until the server answers a TLS
    /// request with `N`, as a server without TLS does.
    pub fn disable_tls(&self) {
        let data = self.data();
        std::fs::write(Path::new(&data).join("pg_hba.conf"), "host all all 127.0.0.1/32 trust\n").unwrap();
        append(&Path::new(&data).join("postgresql.conf"), "ssl = off\n");
        self.as_server_user("pg_ctl", &["-D", &data, "reload"]);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.answers_tls() {
            assert!(Instant::now() < deadline, "the server still offers TLS after a reload");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the server answers PostgreSQL's TLS request (`SSLRequest`) with `S`.
    fn answers_tls(&self) -> bool {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]).unwrap();
        let mut answer = [0u8];
        stream.read_exact(&mut answer).unwrap();
        answer[0] == b'S'
    }

    fn make_certificates(&self) {
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        for (name, subject) in [("ca", "/CN=ReferAI test CA"), ("other-ca", "/CN=Some other CA")] {
            let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
            let mut args =
                vec!["req", "-x509", "-days", "2", "-subj", subject, "-keyout", &key, "-out", &pem];
            args.extend(ec);
            args.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
            args.extend(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
            self.openssl(&args);
        }
        let mut args =
            vec!["req", "-new", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"];
        args.extend(ec);
        self.openssl(&args);
        std::fs::write(
            self.path().join("server.ext"),
            "subjectAltName = DNS:localhost\nbasicConstraints = CA:FALSE\n\
             keyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\n",
        )
        .unwrap();
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "2",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ]);
        set_mode(&self.path().join("server.key"), 0o600);
        if self.as_postgres {
            run(Command::new("chown").args(["-R", "postgres:"]).arg(self.path()));
        }
    }

    fn openssl(&self, args: &[&str]) {
        run(Command::new("openssl").args(args).current_dir(self.path()));
    }

    /// Runs one of the server's programs, as `postgres` when the tests run as root.
    fn as_server_user(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        run(command.args(args).current_dir(self.path()));
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let data = self.data();
        let program = self.bin.join("pg_ctl");
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        let _ = command.args(["-D", &data, "-m", "immediate", "-w", "stop"]).output();
    }
}

/// The folder with `initdb` and `pg_ctl`: on PATH, else the newest Debian install.
fn server_bin() -> PathBuf {
    let on_path = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(|e| Some(e.ok()?.path().join("bin"))).collect())
        .unwrap_or_default();
    debian.sort_by_key(|dir| {
        dir.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()).unwrap_or(0)
    });
    on_path
        .unwrap_or_default()
        .into_iter()
        .chain(debian.into_iter().rev())
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
        .expect("PostgreSQL's server programs (initdb, pg_ctl) for the TLS tests")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// Sets a file's permission bits.
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|err| panic!("{command:?}: {err}"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}
