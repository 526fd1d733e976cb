//! Estimated prices, kept as data: the control plane per service level, instances per type and
//! hour, and disk per GiB and month. The wizard's review shows a monthly estimate from them and
//! the scale dialog can reuse [`instances_monthly`].
//!
//! The figures are plausible list prices in euros, not a quote: the page says so, with
//! [`PRICES_AS_OF`]. Update the table (and the date) when the provider's prices change.

/// When the table was last checked.
pub const PRICES_AS_OF: &str = "2026-11-01";
/// Hours billed in a month (365 × 24 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Control plane per month, by service level.
const CONTROL_PLANE_MONTHLY: &[(&str, f64)] = &[("starter", 0.0), ("pro", 60.0)];

/// Disk of a node, per GiB and month.
const DISK_GIB_MONTHLY: f64 = 0.10;

/// Instances per hour, by `family.size`.
const INSTANCE_HOURLY: &[(&str, f64)] = &[
    ("standard.micro", 0.0079),
    ("standard.tiny", 0.0132),
    ("standard.small", 0.0192),
    ("standard.medium", 0.0366),
    ("standard.large", 0.0733),
    ("standard.extra-large", 0.1466),
    ("standard.huge", 0.2933),
    ("standard.mega", 0.5498),
    ("standard.titan", 1.0998),
    ("standard.jumbo", 1.6497),
    ("cpu.extra-large", 0.1833),
    ("cpu.huge", 0.3666),
    ("cpu.mega", 0.7332),
    ("cpu.titan", 0.9165),
    ("memory.extra-large", 0.1650),
    ("memory.huge", 0.3300),
    ("memory.mega", 0.6600),
    ("memory.titan", 1.1600),
    ("gpua30.small", 1.2000),
    ("gpua30.medium", 2.4000),
    ("gpua30.large", 4.8000),
    ("gpu3.small", 1.3500),
    ("gpu3.medium", 2.7000),
    ("gpu3080ti.small", 0.9500),
    ("gpurtx6000pro.small", 2.1000),
    ("gpurtx6000pro.large", 8.4000),
];

/// The control plane of `level` per month; `None` for a level the table does not know.
pub fn control_plane_monthly(level: &str) -> Option<f64> {
    CONTROL_PLANE_MONTHLY
        .iter()
        .find(|(name, _)| *name == level)
        .map(|(_, price)| *price)
}

/// One instance of `instance_type` (`family.size`) per hour, if the table has it.
pub fn instance_hourly(instance_type: &str) -> Option<f64> {
    INSTANCE_HOURLY
        .iter()
        .find(|(name, _)| *name == instance_type)
        .map(|(_, price)| *price)
}

/// `count` instances of `instance_type` with `disk_gib` of disk each, per month; `None` when
/// the table does not know the type.
pub fn instances_monthly(instance_type: &str, count: i64, disk_gib: i64) -> Option<f64> {
    let count = count.max(0) as f64;
    let instance = instance_hourly(instance_type)? * HOURS_PER_MONTH;
    Some(count * (instance + disk_gib.max(0) as f64 * DISK_GIB_MONTHLY))
}

/// One line of an estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    pub label: String,
    /// `None`: not in the price table.
    pub monthly: Option<f64>,
}

/// A monthly estimate: its lines and their total (of the lines with a price).
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub lines: Vec<CostLine>,
    pub total: f64,
    /// Whether some line has no price (the total is then a lower bound).
    pub incomplete: bool,
}

/// A nodepool as the estimate needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolCost<'a> {
    pub name: &'a str,
    pub instance_type: &'a str,
    pub size: i64,
    pub disk_gib: i64,
}

/// The monthly estimate of a cluster at `level` with `pools`.
pub fn estimate(level: &str, pools: &[PoolCost<'_>]) -> Estimate {
    let mut lines = vec![CostLine {
        label: format!("Control plane ({level})"),
        monthly: control_plane_monthly(level),
    }];
    for pool in pools {
        lines.push(CostLine {
            label: format!(
                "Nodepool {}: {} × {}, {} GiB disk",
                pool.name, pool.size, pool.instance_type, pool.disk_gib
            ),
            monthly: instances_monthly(pool.instance_type, pool.size, pool.disk_gib),
        });
    }
    let total = lines.iter().filter_map(|l| l.monthly).sum();
    let incomplete = lines.iter().any(|l| l.monthly.is_none());
    Estimate {
        lines,
        total,
        incomplete,
    }
}

/// `€1,234.56`.
pub fn format_eur(amount: f64) -> String {
    let cents = (amount * 100.0).round() as i64;
    let (whole, cents) = (cents / 100, (cents % 100).abs());
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if whole < 0 { "-" } else { "" };
    format!("{sign}€{grouped}.{cents:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_is_free_and_pro_is_not() {
        assert_eq!(control_plane_monthly("starter"), Some(0.0));
        assert!(control_plane_monthly("pro").unwrap() > 0.0);
        assert_eq!(control_plane_monthly("gold"), None);
    }

    #[test]
    fn instances_cost_hours_of_a_month_plus_disk() {
        let one = instances_monthly("standard.medium", 1, 0).unwrap();
        assert!((one - 0.0366 * 730.0).abs() < 1e-9);
        let three = instances_monthly("standard.medium", 3, 50).unwrap();
        assert!((three - 3.0 * (0.0366 * 730.0 + 5.0)).abs() < 1e-9);
        assert_eq!(instances_monthly("standard.medium", 0, 50), Some(0.0));
        assert_eq!(instances_monthly("quantum.huge", 1, 50), None);
    }

    #[test]
    fn an_estimate_adds_up_and_says_when_a_price_is_missing() {
        let pools = [
            PoolCost {
                name: "a",
                instance_type: "standard.small",
                size: 2,
                disk_gib: 20,
            },
            PoolCost {
                name: "b",
                instance_type: "unknown.type",
                size: 1,
                disk_gib: 20,
            },
        ];
        let estimate = estimate("pro", &pools);
        assert_eq!(estimate.lines.len(), 3);
        assert!(estimate.incomplete);
        let expected = 60.0 + 2.0 * (0.0192 * 730.0 + 2.0);
        assert!((estimate.total - expected).abs() < 1e-9);
        assert_eq!(
            estimate.lines[1].label,
            "Nodepool a: 2 × standard.small, 20 GiB disk"
        );
    }

    #[test]
    fn euros_are_grouped_and_rounded() {
        assert_eq!(format_eur(0.0), "€0.00");
        assert_eq!(format_eur(26.718), "€26.72");
        assert_eq!(format_eur(1234567.891), "€1,234,567.89");
        assert_eq!(format_eur(100.0), "€100.00");
    }
}
