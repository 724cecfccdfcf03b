//! The demo county's fixed organisation chart: departments, supervision offices and which
//! stationed group supervises which departments.
//!
//! The chart does not depend on the seed: a county's departments are set by the national
//! model, and a stable chart lets the demo's guides name 住建局 or 派驻第一纪检监察组 safely.

/// County departments: unit code and the name after the county's (青岚县 + 住房和城乡建设局).
pub(super) const DEPARTMENTS: [(&str, &str); 24] = [
    ("zhujian", "住房和城乡建设局"),
    ("ziranziyuan", "自然资源和规划局"),
    ("jiaotong", "交通运输局"),
    ("huanbao", "生态环境局"),
    ("nonglin", "农业农村局"),
    ("minzheng", "民政局"),
    ("shuili", "水利局"),
    ("linye", "林业局"),
    ("xiangcun", "乡村振兴局"),
    ("tuijun", "退役军人事务局"),
    ("jiaoyu", "教育局"),
    ("weijian", "卫生健康局"),
    ("yibao", "医疗保障局"),
    ("caizheng", "财政局"),
    ("shenji", "审计局"),
    ("tongji", "统计局"),
    ("renshe", "人力资源和社会保障局"),
    ("fagai", "发展和改革局"),
    ("shangwu", "商务局"),
    ("shichang", "市场监督管理局"),
    ("yingji", "应急管理局"),
    ("sifa", "司法局"),
    ("wenlv", "文化和广电旅游体育局"),
    ("xinfang", "信访局"),
];

/// The departments each of the 14 stationed groups supervises, by code, grouped by kinship of
/// work as counties do (建设与规划, 农业与振兴 …).
pub(super) const GROUP_DEPARTMENTS: [&[&str]; 14] = [
    &["zhujian", "ziranziyuan"],
    &["jiaotong", "shuili"],
    &["huanbao", "linye"],
    &["nonglin", "xiangcun"],
    &["minzheng", "tuijun"],
    &["jiaoyu"],
    &["weijian", "yibao"],
    &["caizheng", "shenji", "tongji"],
    &["renshe"],
    &["fagai", "shangwu"],
    &["shichang", "yingji"],
    &["sifa"],
    &["wenlv"],
    &["xinfang"],
];

/// The five supervision offices that guide the zones, then the case-management office.
pub(super) const OFFICES: [(&str, &str); 6] = [
    ("jjjcs1", "第一纪检监察室"),
    ("jjjcs2", "第二纪检监察室"),
    ("jjjcs3", "第三纪检监察室"),
    ("jjjcs4", "第四纪检监察室"),
    ("jjjcs5", "第五纪检监察室"),
    ("anguan", "案件监督管理室"),
];

/// How many of `OFFICES` are supervision offices proper (纪检监察室), the ones that liaise zones.
pub(super) const SUPERVISION_OFFICES: usize = 5;

/// Departments that answer villagers' problems most often, so the demo gives them an officer.
pub(super) const STAFFED_DEPARTMENTS: [&str; 8] = [
    "zhujian",
    "ziranziyuan",
    "jiaotong",
    "huanbao",
    "nonglin",
    "minzheng",
    "shuili",
    "linye",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_department_has_exactly_one_group() {
        let mut assigned: Vec<&str> = GROUP_DEPARTMENTS.iter().flat_map(|g| g.iter().copied()).collect();
        assigned.sort_unstable();
        let mut all: Vec<&str> = DEPARTMENTS.iter().map(|(c, _)| *c).collect();
        all.sort_unstable();
        assert_eq!(assigned, all);
        assert!(GROUP_DEPARTMENTS.iter().all(|g| (1..=3).contains(&g.len())));
        assert!(STAFFED_DEPARTMENTS.iter().all(|s| all.contains(s)));
    }
}
