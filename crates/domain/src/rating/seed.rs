//! The framework a new deployment (and the demo county) starts from: the story's five
//! dimensions with a few indicators each. A county edits it into a version of its own.

use super::{Cutoffs, Dimension, Direction, Framework, Indicator, Normalisation, SystemSource, Veto, VetoEffect};

/// The seed framework (version 1).
pub fn seed_framework() -> Framework {
    let dim = |code: &str, name: &str, weight| Dimension {
        code: code.into(),
        name: name.into(),
        weight,
    };
    let ind = |code: &str, name: &str, dimension, direction, normalisation, weight, veto| Indicator {
        code: code.into(),
        name: name.into(),
        dimension,
        direction,
        normalisation,
        weight,
        veto,
        source: None,
    };
    use Direction::{HigherIsBetter as Higher, LowerIsBetter as Lower};
    use Normalisation::{Levels, MinMax, Rank, ZScore};
    let veto = |effect, at_least| Some(Veto { effect, at_least });
    // Level 1 good, 2 fair, 3 poor: the scores are given, so the direction is the levels'.
    let three_levels = || Levels(vec![(1.0, 1.0), (2.0, 0.6), (3.0, 0.0)]);
    let mut open_concerns = ind("open_concerns", "未办结群众反映问题数", 4, Lower, MinMax, 50.0, None);
    open_concerns.source = Some(SystemSource::OpenConcerns);
    Framework {
        version: 1,
        dimensions: vec![
            dim("conduct", "作风纪律", 25.0),
            dim("assets", "三资管理", 25.0),
            dim("projects", "村级工程", 20.0),
            dim("affairs", "村务管理运行", 15.0),
            dim("voice", "群众反映（信访）", 15.0),
        ],
        indicators: vec![
            ind(
                "discipline_cases",
                "违纪违法人数",
                0,
                Lower,
                MinMax,
                60.0,
                veto(VetoEffect::ForcesC, 2.0),
            ),
            ind("conduct_reports", "作风问题通报次数", 0, Lower, MinMax, 40.0, None),
            ind(
                "audit_findings",
                "审计发现问题数",
                1,
                Lower,
                MinMax,
                50.0,
                veto(VetoEffect::BarsA, 5.0),
            ),
            ind(
                "assets_ledger",
                "三资台账规范程度（1好 2中 3差）",
                1,
                Higher,
                three_levels(),
                50.0,
                None,
            ),
            ind(
                "project_irregularities",
                "村级工程违规问题数",
                2,
                Lower,
                MinMax,
                60.0,
                None,
            ),
            ind("tender_compliance", "招投标合规率（%）", 2, Higher, ZScore, 40.0, None),
            ind(
                "affairs_disclosure",
                "村务公开及时率（%）",
                3,
                Higher,
                MinMax,
                50.0,
                None,
            ),
            // Weak leadership and poor teamwork put a village in C, whatever else it scores.
            ind(
                "team_cohesion",
                "班子团结（1好 2中 3差）",
                3,
                Higher,
                three_levels(),
                50.0,
                veto(VetoEffect::ForcesC, 3.0),
            ),
            open_concerns,
            ind(
                "petitions",
                "信访件数",
                4,
                Lower,
                Rank,
                50.0,
                veto(VetoEffect::BarsA, 8.0),
            ),
        ],
        cutoffs: Cutoffs { a: 80.0, b: 60.0 },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_seed_framework_is_valid() {
        let f = super::seed_framework();
        f.validate().unwrap();
        assert_eq!(f.dimensions.len(), 5);
    }
}
