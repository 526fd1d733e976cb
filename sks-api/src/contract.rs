//! The contract itself, for tests (feature `contract`): the OpenAPI document, which operation
//! a request is, and a checker for the subset of OpenAPI 3.0 schemas the contract uses:
//! `$ref`, `type`, `properties`, `required`, `additionalProperties`, `nullable`, `enum`, string
//! lengths, integer bounds (with boolean `exclusiveMinimum`), `maxItems`, `uniqueItems` and the
//! `uuid` format. In strict mode a property the schema does not define is an error.

use serde_json::Value;

/// The contract (`contract/exoscale-v2-sks.openapi.json`).
pub fn spec() -> Value {
    serde_json::from_str(include_str!("../contract/exoscale-v2-sks.openapi.json"))
        .expect("the contract parses")
}

/// The `operationId` of a request, from its method and its path relative to `/v2`
/// (`PUT /sks-cluster/ID/nodepool/NP:scale` → `scale-sks-nodepool`). When several templates
/// match, the one with the most literal characters wins.
pub fn operation_for(spec: &Value, method: &str, path: &str) -> Option<String> {
    let method = method.to_ascii_lowercase();
    let actual: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(usize, String)> = None;
    for (template, item) in spec["paths"].as_object()? {
        let Some(operation_id) = item
            .get(&method)
            .and_then(|op| op.get("operationId"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != actual.len() {
            continue;
        }
        let mut literal = 0;
        let matched = parts.iter().zip(&actual).all(|(part, segment)| {
            match part.find('{').zip(part.find('}')) {
                Some((open, close)) => {
                    let (prefix, suffix) = (&part[..open], &part[close + 1..]);
                    literal += prefix.len() + suffix.len();
                    segment.len() > prefix.len() + suffix.len()
                        && segment.starts_with(prefix)
                        && segment.ends_with(suffix)
                        && (!suffix.is_empty() || !segment[prefix.len()..].contains(':'))
                }
                None => {
                    literal += part.len();
                    part == segment
                }
            }
        });
        if matched && best.as_ref().is_none_or(|(score, _)| literal > *score) {
            best = Some((literal, operation_id.to_owned()));
        }
    }
    best.map(|(_, id)| id)
}

/// A schema of `components.schemas`.
pub fn component(name: &str) -> Value {
    serde_json::json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The JSON request body schema of an operation, by `operationId`.
pub fn request_schema(spec: &Value, operation_id: &str) -> Value {
    operation(spec, operation_id)["requestBody"]["content"]["application/json"]["schema"].clone()
}

/// The 200 response schema of an operation, by `operationId`.
pub fn response_schema(spec: &Value, operation_id: &str) -> Value {
    operation(spec, operation_id)["responses"]["200"]["content"]["application/json"]["schema"]
        .clone()
}

fn operation<'a>(spec: &'a Value, operation_id: &str) -> &'a Value {
    spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .find(|op| op["operationId"] == operation_id)
        .unwrap_or_else(|| panic!("no operation {operation_id} in the contract"))
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unsupported $ref {reference}"));
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn at(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Every way `value` breaks `schema`, as `path: problem` lines.
pub fn check(spec: &Value, schema: &Value, value: &Value, path: &str, strict: bool) -> Vec<String> {
    let mut errors = Vec::new();
    walk(spec, schema, value, path, strict, &mut errors);
    errors
}

fn walk(
    spec: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    strict: bool,
    errors: &mut Vec<String>,
) {
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    let schema = resolve(spec, schema);
    let here = if path.is_empty() { "(body)" } else { path };
    if value.is_null() {
        if !(nullable || schema.get("nullable") == Some(&Value::Bool(true))) {
            errors.push(format!("{here}: null is not allowed"));
        }
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{here}: {value} is not one of {allowed:?}"));
    }
    let kind = schema.get("type").and_then(Value::as_str);
    match (kind, value) {
        (Some("object") | None, Value::Object(fields)) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for name in required.iter().filter_map(Value::as_str) {
                    if !fields.contains_key(name) {
                        errors.push(format!("{}: required", at(path, name)));
                    }
                }
            }
            for (name, field) in fields {
                let field_path = at(path, name);
                match properties.and_then(|p| p.get(name)) {
                    Some(field_schema) => {
                        walk(spec, field_schema, field, &field_path, strict, errors)
                    }
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{field_path}: not in the schema"))
                        }
                        Some(extra @ Value::Object(_)) => {
                            walk(spec, extra, field, &field_path, strict, errors)
                        }
                        _ if strict && properties.is_some() => {
                            errors.push(format!("{field_path}: not in the schema"))
                        }
                        _ => {}
                    },
                }
            }
        }
        (Some("array"), Value::Array(items)) => {
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && items.len() as u64 > max
            {
                errors.push(format!("{here}: more than {max} items"));
            }
            if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
                for (i, item) in items.iter().enumerate() {
                    if items[..i].contains(item) {
                        errors.push(format!("{here}: items are not unique"));
                        break;
                    }
                }
            }
            for (i, item) in items.iter().enumerate() {
                walk(
                    spec,
                    &schema["items"],
                    item,
                    &format!("{path}[{i}]"),
                    strict,
                    errors,
                );
            }
        }
        (Some("string"), Value::String(text)) => {
            let length = text.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && length < min
            {
                errors.push(format!("{here}: shorter than {min}"));
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && length > max
            {
                errors.push(format!("{here}: longer than {max}"));
            }
            if schema.get("format").and_then(Value::as_str) == Some("uuid")
                && uuid::Uuid::parse_str(text).is_err()
            {
                errors.push(format!("{here}: not a uuid"));
            }
        }
        (Some("integer"), Value::Number(number)) => match number.as_i64() {
            None => errors.push(format!("{here}: not an integer")),
            Some(n) => {
                let exclusive = schema.get("exclusiveMinimum") == Some(&Value::Bool(true));
                if let Some(min) = schema.get("minimum").and_then(Value::as_i64) {
                    if exclusive && n <= min {
                        errors.push(format!("{here}: must be above {min}"));
                    } else if !exclusive && n < min {
                        errors.push(format!("{here}: must be at least {min}"));
                    }
                }
                if let Some(max) = schema.get("maximum").and_then(Value::as_i64)
                    && n > max
                {
                    errors.push(format!("{here}: must be at most {max}"));
                }
            }
        },
        (Some("number"), Value::Number(_)) | (Some("boolean"), Value::Bool(_)) => {}
        (Some(kind), other) => errors.push(format!("{here}: expected {kind}, got {other}")),
        (None, _) => {}
    }
}
