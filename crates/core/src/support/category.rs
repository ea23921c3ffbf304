//! What support is: its category (lethal or not, with its Kiel aid type), the capability it
//! serves, its range class, and how its value was estimated (domain.md §5.2).
//!
//! The category decides the policy rules (the alliance fund is non-lethal only, rule 6; lethal aid
//! is national, rule 7) and carries the mapping tables the reports and exports need: the IATI
//! sector code in the reporting organisation's own vocabulary (99, since military items are not
//! ODA and have no DAC code), a DAC code where one applies, and the Kiel tracker's `item_type`.

use serde::{Deserialize, Serialize};

/// Kiel's `aid_type_general`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AidType {
    Military,
    Financial,
    Humanitarian,
}

/// A category of support (domain.md §5.2), each lethal or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SupportCategory {
    // Non-lethal, military.
    Medical,
    UniformsClothing,
    WinterEquipment,
    Fuel,
    RationsFood,
    /// Body armour, helmets.
    PersonalProtection,
    Communications,
    CounterDroneNonKinetic,
    Demining,
    /// Unarmed.
    LogisticsVehicles,
    Training,
    Cyber,
    MaintenanceRepair,
    // Non-lethal, other.
    FinancialBudgetSupport,
    HumanitarianRelief,
    // Lethal.
    SmallArms,
    SmallArmsAmmunition,
    AntiTank,
    ManPortableAirDefence,
    Artillery,
    ArtilleryAmmunition,
    MultipleRocketLaunchers,
    ArmouredVehicles,
    Tanks,
    AirAndMissileDefence,
    ArmedDrones,
    CombatAircraft,
    LongRangeMissiles,
    NavalStrike,
}

impl SupportCategory {
    /// Every category, non-lethal first.
    pub const ALL: [Self; 29] = [
        Self::Medical,
        Self::UniformsClothing,
        Self::WinterEquipment,
        Self::Fuel,
        Self::RationsFood,
        Self::PersonalProtection,
        Self::Communications,
        Self::CounterDroneNonKinetic,
        Self::Demining,
        Self::LogisticsVehicles,
        Self::Training,
        Self::Cyber,
        Self::MaintenanceRepair,
        Self::FinancialBudgetSupport,
        Self::HumanitarianRelief,
        Self::SmallArms,
        Self::SmallArmsAmmunition,
        Self::AntiTank,
        Self::ManPortableAirDefence,
        Self::Artillery,
        Self::ArtilleryAmmunition,
        Self::MultipleRocketLaunchers,
        Self::ArmouredVehicles,
        Self::Tanks,
        Self::AirAndMissileDefence,
        Self::ArmedDrones,
        Self::CombatAircraft,
        Self::LongRangeMissiles,
        Self::NavalStrike,
    ];

    /// Weapons and ammunition: never through the alliance fund (rule 6), only bilateral,
    /// coalition or alliance-coordinated (rule 7).
    #[must_use]
    pub fn is_lethal(self) -> bool {
        self >= Self::SmallArms
    }

    /// Kiel's `aid_type_general`.
    #[must_use]
    pub fn aid_type(self) -> AidType {
        match self {
            Self::FinancialBudgetSupport => AidType::Financial,
            Self::HumanitarianRelief => AidType::Humanitarian,
            _ => AidType::Military,
        }
    }

    /// The sector code in Concord's own IATI vocabulary (`@vocabulary="99"`): stable, never
    /// renamed, one per category.
    #[must_use]
    pub fn iati_code(self) -> &'static str {
        match self {
            Self::Medical => "CONCORD-NL-01-MEDICAL",
            Self::UniformsClothing => "CONCORD-NL-02-UNIFORMS",
            Self::WinterEquipment => "CONCORD-NL-03-WINTER",
            Self::Fuel => "CONCORD-NL-04-FUEL",
            Self::RationsFood => "CONCORD-NL-05-RATIONS",
            Self::PersonalProtection => "CONCORD-NL-06-PROTECTION",
            Self::Communications => "CONCORD-NL-07-COMMS",
            Self::CounterDroneNonKinetic => "CONCORD-NL-08-COUNTER-DRONE",
            Self::Demining => "CONCORD-NL-09-DEMINING",
            Self::LogisticsVehicles => "CONCORD-NL-10-LOGISTICS-VEHICLES",
            Self::Training => "CONCORD-NL-11-TRAINING",
            Self::Cyber => "CONCORD-NL-12-CYBER",
            Self::MaintenanceRepair => "CONCORD-NL-13-MAINTENANCE",
            Self::FinancialBudgetSupport => "CONCORD-FIN-01-BUDGET",
            Self::HumanitarianRelief => "CONCORD-HUM-01-RELIEF",
            Self::SmallArms => "CONCORD-L-01-SMALL-ARMS",
            Self::SmallArmsAmmunition => "CONCORD-L-02-SMALL-ARMS-AMMO",
            Self::AntiTank => "CONCORD-L-03-ANTI-TANK",
            Self::ManPortableAirDefence => "CONCORD-L-04-MANPADS",
            Self::Artillery => "CONCORD-L-05-ARTILLERY",
            Self::ArtilleryAmmunition => "CONCORD-L-06-ARTILLERY-AMMO",
            Self::MultipleRocketLaunchers => "CONCORD-L-07-MLRS",
            Self::ArmouredVehicles => "CONCORD-L-08-ARMOURED-VEHICLES",
            Self::Tanks => "CONCORD-L-09-TANKS",
            Self::AirAndMissileDefence => "CONCORD-L-10-AIR-DEFENCE",
            Self::ArmedDrones => "CONCORD-L-11-ARMED-DRONES",
            Self::CombatAircraft => "CONCORD-L-12-COMBAT-AIRCRAFT",
            Self::LongRangeMissiles => "CONCORD-L-13-LONG-RANGE-MISSILES",
            Self::NavalStrike => "CONCORD-L-14-NAVAL-STRIKE",
        }
    }

    /// The OECD DAC 5-digit sector (IATI vocabulary 1), only where one honestly applies: military
    /// equipment is not ODA, so lethal and most non-lethal military items have none.
    #[must_use]
    pub fn dac_code(self) -> Option<&'static str> {
        match self {
            Self::Demining => Some("15250"),
            Self::Medical => Some("12191"),
            Self::RationsFood => Some("72040"),
            Self::HumanitarianRelief => Some("72010"),
            Self::FinancialBudgetSupport => Some("51010"),
            _ => None,
        }
    }

    /// The Kiel tracker's `item_type`, for military categories (financial and humanitarian rows
    /// have none).
    #[must_use]
    pub fn kiel_item_type(self) -> Option<&'static str> {
        Some(match self {
            Self::FinancialBudgetSupport | Self::HumanitarianRelief => return None,
            Self::Training | Self::Cyber | Self::MaintenanceRepair => "funding, training, services",
            Self::Medical
            | Self::UniformsClothing
            | Self::WinterEquipment
            | Self::Fuel
            | Self::RationsFood
            | Self::PersonalProtection
            | Self::Communications
            | Self::CounterDroneNonKinetic
            | Self::Demining
            | Self::LogisticsVehicles => "military equipment",
            Self::SmallArms | Self::SmallArmsAmmunition => "light armaments & infantry",
            Self::AntiTank | Self::ManPortableAirDefence => "portable defence system",
            Self::Artillery
            | Self::MultipleRocketLaunchers
            | Self::ArmouredVehicles
            | Self::Tanks
            | Self::AirAndMissileDefence => "heavy weapon",
            Self::ArtilleryAmmunition => "ammunition for heavy weapon",
            Self::ArmedDrones | Self::CombatAircraft => "aviation and drones",
            Self::LongRangeMissiles | Self::NavalStrike => "missile",
        })
    }
}

/// The capability support serves; coalitions are formed by capability (domain.md §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Capability {
    AirForce,
    AirDefence,
    Artillery,
    Armour,
    Maritime,
    It,
    Demining,
    Drones,
    Medical,
    Logistics,
    Training,
    Other,
}

/// How far a system reaches: the escalation debate of 2022–2024 was about range (domain.md §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RangeClass {
    NotApplicable,
    Short,
    Medium,
    Long,
}

/// Where a pledge's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ValuationMethod {
    ReportedByDonor,
    MarketPriceEstimate,
    PriceListEstimate,
    Unknown,
}

words!(AidType { Military => "military", Financial => "financial", Humanitarian => "humanitarian" });
words!(SupportCategory {
    Medical => "medical supplies",
    UniformsClothing => "uniforms and clothing",
    WinterEquipment => "winter equipment",
    Fuel => "fuel",
    RationsFood => "rations and food",
    PersonalProtection => "personal protection",
    Communications => "communications",
    CounterDroneNonKinetic => "non-kinetic counter-drone systems",
    Demining => "demining equipment",
    LogisticsVehicles => "unarmed logistics vehicles",
    Training => "training",
    Cyber => "cyber support",
    MaintenanceRepair => "maintenance and repair",
    FinancialBudgetSupport => "budget support",
    HumanitarianRelief => "humanitarian relief",
    SmallArms => "small arms",
    SmallArmsAmmunition => "small arms ammunition",
    AntiTank => "anti-tank weapons",
    ManPortableAirDefence => "man-portable air defence",
    Artillery => "artillery",
    ArtilleryAmmunition => "artillery ammunition",
    MultipleRocketLaunchers => "multiple rocket launchers",
    ArmouredVehicles => "armoured vehicles",
    Tanks => "tanks",
    AirAndMissileDefence => "air and missile defence",
    ArmedDrones => "armed drones",
    CombatAircraft => "combat aircraft",
    LongRangeMissiles => "long-range missiles",
    NavalStrike => "naval strike weapons",
});
words!(Capability {
    AirForce => "air force",
    AirDefence => "air defence",
    Artillery => "artillery",
    Armour => "armour",
    Maritime => "maritime",
    It => "IT",
    Demining => "demining",
    Drones => "drones",
    Medical => "medical",
    Logistics => "logistics",
    Training => "training",
    Other => "other",
});
words!(RangeClass { NotApplicable => "not applicable", Short => "short", Medium => "medium", Long => "long" });
words!(ValuationMethod {
    ReportedByDonor => "reported by donor",
    MarketPriceEstimate => "market price estimate",
    PriceListEstimate => "price list estimate",
    Unknown => "unknown",
});

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn serde_name<T: Serialize>(v: T) -> String {
        serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    #[test]
    fn the_domain_lists_15_non_lethal_and_14_lethal_categories() {
        let lethal: Vec<_> = SupportCategory::ALL.iter().filter(|c| c.is_lethal()).collect();
        assert_eq!(lethal.len(), 14);
        assert!(!SupportCategory::Medical.is_lethal());
        assert!(!SupportCategory::PersonalProtection.is_lethal(), "body armour is not a weapon");
        assert!(!SupportCategory::CounterDroneNonKinetic.is_lethal());
        assert!(SupportCategory::ArtilleryAmmunition.is_lethal());
        assert!(SupportCategory::LongRangeMissiles.is_lethal());
        let all: BTreeSet<_> = SupportCategory::ALL.iter().collect();
        assert_eq!(all.len(), 29, "no category listed twice");
    }

    #[test]
    fn lethal_categories_are_all_military_and_have_no_dac_code() {
        for c in SupportCategory::ALL {
            if c.is_lethal() {
                assert_eq!(c.aid_type(), AidType::Military, "{c}");
                assert_eq!(c.dac_code(), None, "{c}: military items are not ODA");
                assert!(c.kiel_item_type().is_some(), "{c}");
            }
        }
        assert_eq!(SupportCategory::FinancialBudgetSupport.aid_type(), AidType::Financial);
        assert_eq!(SupportCategory::HumanitarianRelief.aid_type(), AidType::Humanitarian);
        assert_eq!(SupportCategory::HumanitarianRelief.kiel_item_type(), None);
        assert_eq!(SupportCategory::ArtilleryAmmunition.kiel_item_type(), Some("ammunition for heavy weapon"));
    }

    #[test]
    fn iati_codes_are_unique_and_say_whether_lethal() {
        let codes: BTreeSet<_> = SupportCategory::ALL.iter().map(|c| c.iati_code()).collect();
        assert_eq!(codes.len(), SupportCategory::ALL.len());
        for c in SupportCategory::ALL {
            assert_eq!(c.iati_code().starts_with("CONCORD-L-"), c.is_lethal(), "{c}");
            assert!(c.iati_code().is_ascii());
        }
    }

    #[test]
    fn serde_names_are_snake_case_and_unknown_categories_are_refused() {
        assert_eq!(serde_name(SupportCategory::ManPortableAirDefence), "man_portable_air_defence");
        assert_eq!(serde_name(Capability::It), "it");
        assert!(serde_json::from_str::<SupportCategory>("\"nuclear\"").is_err());
        for c in SupportCategory::ALL {
            assert!(!c.words().is_empty());
            let back: SupportCategory = serde_json::from_value(serde_json::json!(serde_name(c))).unwrap_or(c);
            assert_eq!(back, c);
        }
    }
}
