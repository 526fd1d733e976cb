//! Building addresses: percent-encoding of query values (RFC 3986 unreserved characters kept).

/// `value` encoded for a query string or path segment.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_unreserved_characters_and_encodes_the_rest() {
        assert_eq!(
            super::encode("web prod/ä?&=~"),
            "web%20prod%2F%C3%A4%3F%26%3D~"
        );
        assert_eq!(super::encode("a-b_c.d"), "a-b_c.d");
    }
}
