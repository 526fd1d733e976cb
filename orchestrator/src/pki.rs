//! Certificates, for real: each cluster has its own authorities (control-plane, aggregation,
//! kubelet), and a kubeconfig carries a client certificate signed by the cluster's
//! control-plane authority with CN = user, O = each group, valid for the TTL asked for.
//!
//! Keys are ECDSA P-256. An authority's certificate parameters are rebuilt from its cluster and
//! kind (same subject), so issuing needs only the stored key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SerialNumber,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Validity of a cluster authority.
const AUTHORITY_YEARS: i64 = 10;

/// PKI failures (a corrupt stored key, an impossible validity).
#[derive(Debug, thiserror::Error)]
#[error("certificate: {0}")]
pub struct PkiError(String);

impl From<rcgen::Error> for PkiError {
    fn from(error: rcgen::Error) -> PkiError {
        PkiError(error.to_string())
    }
}

/// A certificate and its private key, PEM.
#[derive(Debug, Clone)]
pub struct Pem {
    pub cert: String,
    pub key: String,
}

fn authority_params(cluster: Uuid, kind: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, format!("{kind} CA"));
    name.push(DnType::OrganizationName, format!("sks-{cluster}"));
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7f; // positive
    SerialNumber::from_slice(&bytes)
}

/// A new self-signed authority of `kind` for `cluster`.
pub fn new_authority(cluster: Uuid, kind: &str) -> Result<Pem, PkiError> {
    let key = KeyPair::generate()?;
    let mut params = authority_params(cluster, kind);
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + Duration::days(365 * AUTHORITY_YEARS);
    params.serial_number = Some(random_serial());
    let cert = params.self_signed(&key)?;
    Ok(Pem {
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

/// Object identifiers used in client certificates.
mod oid {
    pub const COMMON_NAME: &[u64] = &[2, 5, 4, 3];
    pub const ORGANIZATION: &[u64] = &[2, 5, 4, 10];
    pub const ECDSA_WITH_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
    pub const BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
    pub const KEY_USAGE: &[u64] = &[2, 5, 29, 15];
    pub const EXTENDED_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
    pub const CLIENT_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 2];
}

/// A distinguished name: one attribute per RDN, UTF-8 strings (as rcgen writes them).
fn write_name(writer: yasna::DERWriter, attributes: &[(&[u64], &str)]) {
    writer.write_sequence(|writer| {
        for (oid, value) in attributes {
            writer.next().write_set(|writer| {
                writer.next().write_sequence(|writer| {
                    writer
                        .next()
                        .write_oid(&yasna::models::ObjectIdentifier::from_slice(oid));
                    writer.next().write_utf8_string(value);
                });
            });
        }
    });
}

/// UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280, 4.1.2.5).
fn write_time(writer: yasna::DERWriter, time: OffsetDateTime) {
    // Certificates count whole seconds.
    let time = time
        .replace_nanosecond(0)
        .expect("zero nanoseconds is valid");
    if time.year() < 2050 {
        writer.write_utctime(&yasna::models::UTCTime::from_datetime(time));
    } else {
        writer.write_generalized_time(&yasna::models::GeneralizedTime::from_datetime(time));
    }
}

fn write_extension(writer: yasna::DERWriter, oid: &[u64], critical: bool, value: Vec<u8>) {
    writer.write_sequence(|writer| {
        writer
            .next()
            .write_oid(&yasna::models::ObjectIdentifier::from_slice(oid));
        if critical {
            writer.next().write_bool(true);
        }
        writer.next().write_bytes(&value);
    });
}

/// A client certificate for `user` in `groups`, valid `ttl_seconds` from now, signed by the
/// authority whose key is `authority_key_pem`.
///
/// Written by hand (DER through yasna) because Kubernetes reads one organization (O) per group
/// and rcgen keeps a single value per attribute type.
pub fn issue_client(
    cluster: Uuid,
    kind: &str,
    authority_key_pem: &str,
    user: &str,
    groups: &[String],
    ttl_seconds: i64,
) -> Result<Pem, PkiError> {
    use rcgen::{PublicKeyData, SigningKey};

    let authority_key = KeyPair::from_pem(authority_key_pem)?;
    let key = KeyPair::generate()?;
    let now = OffsetDateTime::now_utc();
    let not_before = now - Duration::minutes(1);
    let not_after = now
        .checked_add(Duration::seconds(ttl_seconds))
        .filter(|t| t.year() <= 9999)
        .ok_or_else(|| PkiError(format!("a TTL of {ttl_seconds} s is too long")))?;
    let issuer_cn = format!("{kind} CA");
    let issuer_o = format!("sks-{cluster}");
    let issuer: [(&[u64], &str); 2] = [
        (oid::COMMON_NAME, &issuer_cn),
        (oid::ORGANIZATION, &issuer_o),
    ];
    let mut subject: Vec<(&[u64], &str)> = vec![(oid::COMMON_NAME, user)];
    subject.extend(groups.iter().map(|g| (oid::ORGANIZATION, g.as_str())));
    let mut serial: [u8; 16] = rand::random();
    serial[0] &= 0x7f;
    let spki = key.subject_public_key_info();
    let algorithm = |writer: yasna::DERWriter| {
        writer.write_sequence(|writer| {
            writer
                .next()
                .write_oid(&yasna::models::ObjectIdentifier::from_slice(
                    oid::ECDSA_WITH_SHA256,
                ));
        });
    };

    let tbs = yasna::construct_der(|writer| {
        writer.write_sequence(|writer| {
            writer
                .next()
                .write_tagged(yasna::Tag::context(0), |writer| writer.write_u8(2));
            writer.next().write_bigint_bytes(&serial, true);
            algorithm(writer.next());
            write_name(writer.next(), &issuer);
            writer.next().write_sequence(|writer| {
                write_time(writer.next(), not_before);
                write_time(writer.next(), not_after);
            });
            write_name(writer.next(), &subject);
            writer.next().write_der(&spki);
            writer
                .next()
                .write_tagged(yasna::Tag::context(3), |writer| {
                    writer.write_sequence(|writer| {
                        let not_ca = yasna::construct_der(|w| w.write_sequence(|_| {}));
                        write_extension(writer.next(), oid::BASIC_CONSTRAINTS, true, not_ca);
                        // digitalSignature (bit 0) and keyEncipherment (bit 2).
                        let usage =
                            yasna::construct_der(|w| w.write_bitvec_bytes(&[0b1010_0000], 3));
                        write_extension(writer.next(), oid::KEY_USAGE, true, usage);
                        let client_auth = yasna::construct_der(|w| {
                            w.write_sequence(|w| {
                                w.next()
                                    .write_oid(&yasna::models::ObjectIdentifier::from_slice(
                                        oid::CLIENT_AUTH,
                                    ));
                            })
                        });
                        write_extension(writer.next(), oid::EXTENDED_KEY_USAGE, false, client_auth);
                    });
                });
        });
    });
    let signature = authority_key.sign(&tbs)?;
    let der = yasna::construct_der(|writer| {
        writer.write_sequence(|writer| {
            writer.next().write_der(&tbs);
            algorithm(writer.next());
            writer
                .next()
                .write_bitvec_bytes(&signature, signature.len() * 8);
        });
    });
    Ok(Pem {
        cert: pem_block("CERTIFICATE", &der),
        key: key.serialize_pem(),
    })
}

/// A PEM block with 64-character lines.
fn pem_block(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// A kubeconfig for one cluster and one user, as `kubectl` reads it.
pub fn kubeconfig(
    cluster_name: &str,
    endpoint: &str,
    authority_cert_pem: &str,
    user: &str,
    client: &Pem,
) -> String {
    let context = format!("{user}@{cluster_name}");
    format!(
        "apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - name: {cluster}\n\
         \x20 cluster:\n\
         \x20   server: {endpoint}\n\
         \x20   certificate-authority-data: {ca}\n\
         users:\n\
         - name: {user_entry}\n\
         \x20 user:\n\
         \x20   client-certificate-data: {cert}\n\
         \x20   client-key-data: {key}\n\
         contexts:\n\
         - name: {context}\n\
         \x20 context:\n\
         \x20   cluster: {cluster}\n\
         \x20   user: {user_entry}\n\
         current-context: {context}\n",
        cluster = yaml_string(cluster_name),
        endpoint = yaml_string(endpoint),
        ca = STANDARD.encode(authority_cert_pem),
        user_entry = yaml_string(user),
        cert = STANDARD.encode(&client.cert),
        key = STANDARD.encode(&client.key),
        context = yaml_string(&context),
    )
}

/// A YAML double-quoted scalar: any name is safe, whatever it contains.
fn yaml_string(value: &str) -> String {
    serde_json::to_string(value).expect("strings serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::*;

    fn der(pem: &str) -> Vec<u8> {
        let (_, parsed) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
        parsed.contents
    }

    #[test]
    fn client_certificates_carry_user_groups_and_ttl_and_are_signed_by_the_authority() {
        let cluster = Uuid::from_u128(42);
        let authority = new_authority(cluster, "control-plane").unwrap();
        let client = issue_client(
            cluster,
            "control-plane",
            &authority.key,
            "alice",
            &["system:masters".into(), "ops".into()],
            3600,
        )
        .unwrap();

        let ca_der = der(&authority.cert);
        let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
        assert!(ca.is_ca());
        let client_der = der(&client.cert);
        let (_, cert) = X509Certificate::from_der(&client_der).unwrap();
        let cn: Vec<&str> = cert
            .subject()
            .iter_common_name()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(cn, ["alice"]);
        let orgs: Vec<&str> = cert
            .subject()
            .iter_organization()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(orgs, ["system:masters", "ops"]);
        assert_eq!(cert.issuer(), ca.subject());
        cert.verify_signature(Some(ca.public_key()))
            .expect("signed by the cluster authority");
        let lifetime =
            cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp();
        assert!((3600..=3600 + 61).contains(&lifetime), "{lifetime}");
    }

    #[test]
    fn another_clusters_authority_did_not_sign_it() {
        let mine = new_authority(Uuid::from_u128(1), "control-plane").unwrap();
        let theirs = new_authority(Uuid::from_u128(2), "control-plane").unwrap();
        let client = issue_client(
            Uuid::from_u128(1),
            "control-plane",
            &mine.key,
            "bob",
            &[],
            60,
        )
        .unwrap();
        let their_der = der(&theirs.cert);
        let (_, their_ca) = X509Certificate::from_der(&their_der).unwrap();
        let client_der = der(&client.cert);
        let (_, cert) = X509Certificate::from_der(&client_der).unwrap();
        assert!(cert.verify_signature(Some(their_ca.public_key())).is_err());
    }

    #[test]
    fn kubeconfig_quotes_names() {
        let authority = new_authority(Uuid::from_u128(1), "control-plane").unwrap();
        let client = issue_client(
            Uuid::from_u128(1),
            "control-plane",
            &authority.key,
            "a",
            &[],
            60,
        )
        .unwrap();
        let config = kubeconfig(
            "demo: \"x\"",
            "https://x.example:443",
            &authority.cert,
            "a",
            &client,
        );
        assert!(config.contains("- name: \"demo: \\\"x\\\"\""), "{config}");
        assert!(
            config.contains("current-context: \"a@demo: \\\"x\\\"\""),
            "{config}"
        );
    }
}
