//! What villagers raise at the demo's on-site meetings, and how it is answered: fixed text
//! tables per category, drawn from with the seeded generator.
//!
//! The texts are invented and name no real place, person or sum of money anyone was owed.

/// One category of concern: its code and name, and what villagers raise under it.
pub(super) struct Kind {
    pub code: &'static str,
    pub name: &'static str,
    pub said: &'static [Said],
}

/// One problem as a villager puts it, the departments (by code, see `units`) that answer it,
/// the likeliest first, and the answers it gets: at the table, or from the department later.
pub(super) struct Said {
    pub text: &'static str,
    pub departments: &'static [&'static str],
    pub on_spot: &'static str,
    pub answer: &'static str,
}

const fn said(
    text: &'static str,
    departments: &'static [&'static str],
    on_spot: &'static str,
    answer: &'static str,
) -> Said {
    Said {
        text,
        departments,
        on_spot,
        answer,
    }
}

/// The eight categories, in the order the register lists them.
pub(super) const KINDS: [Kind; 8] = [
    Kind {
        code: "multi_plot",
        name: "一户多宅",
        said: &[
            said(
                "邻居一户占有两处宅基地，老宅长期闲置未退出",
                &["ziranziyuan", "nonglin"],
                "现场解释一户一宅政策：老宅由村集体依法收回，村里三十日内书面告知当事户",
                "经核查属一户多宅，已下达退出告知书，老宅限期拆除复垦",
            ),
            said(
                "村里有农户建了新房，旧房不拆也不退宅基地",
                &["nonglin", "ziranziyuan"],
                "现场明确：新房验收后旧宅须在三个月内拆除退出，乡镇建立台账跟踪",
                "已督促该户签订旧宅退出协议，旧房已拆除，宅基地由村集体收回",
            ),
            said(
                "分户后一户申请了两块宅基地，群众意见较大",
                &["nonglin", "ziranziyuan"],
                "现场调阅审批档案，第二块宅基地为其子分户后依法申请，已向群众公开审批材料",
                "经复核，第二块宅基地不符合分户条件，已撤销审批并收回",
            ),
            said(
                "外出务工人员老宅倒塌多年，宅基地一直未收回",
                &["ziranziyuan", "nonglin"],
                "现场说明闲置宅基地自愿有偿退出办法，村里负责联系户主办理",
                "已与户主签订自愿有偿退出协议，宅基地纳入村集体统一管理",
            ),
            said(
                "有人在承包地上私建住房，与原宅形成一户两宅",
                &["ziranziyuan", "zhujian"],
                "现场认定属违法占用耕地建房，当场下达停工通知",
                "已立案查处，违建房屋限期拆除，恢复耕种条件",
            ),
            said(
                "宅基地申请排队两年没有批下来，而有人一户多宅",
                &["nonglin", "ziranziyuan"],
                "现场查询审批进度，材料缺少村民代表会议记录，村里三日内补齐报乡镇",
                "申请材料已补齐，宅基地审批已报乡镇，预计本月内批复",
            ),
            said(
                "村集体收回的闲置宅基地如何分配没有公示",
                &["nonglin"],
                "现场要求村委会七日内将收回宅基地清单和分配方案张榜公示",
                "收回宅基地的分配方案已经村民代表会议通过，并在村务公开栏公示",
            ),
        ],
    },
    Kind {
        code: "living_env",
        name: "人居环境",
        said: &[
            said(
                "村东垃圾收集点半个月才清运一次，气味很大",
                &["zhujian", "huanbao"],
                "现场协调清运公司将垃圾清运调整为每周两次，本周起执行",
                "已调整清运频次为每周两次，并在收集点加装除臭设施",
            ),
            said(
                "生活污水直排村前小河，夏天蚊虫多",
                &["huanbao", "zhujian"],
                "现场答复：该村已列入明年农村生活污水治理项目，其间先封堵排污口",
                "已将该村纳入污水管网延伸工程，年内完成接户",
            ),
            said(
                "养殖场粪污堆在路边，下雨后流进水沟",
                &["huanbao", "nonglin"],
                "现场责令养殖户三日内清运粪污，乡镇跟踪落实",
                "已责令养殖户清理粪污并建设堆粪棚，逾期依法处罚",
            ),
            said(
                "公厕改造完成后一直锁着，没有人管理",
                &["nonglin", "zhujian"],
                "现场明确由村保洁员负责公厕开放和日常保洁，当日开放",
                "公厕已开放，管护责任落实到人，费用纳入村级保洁经费",
            ),
            said(
                "村道两侧乱堆柴草杂物，影响通行和防火",
                &["zhujian", "nonglin"],
                "现场安排村干部逐户动员，一周内清理完毕，村务监督委员会验收",
                "已组织集中清理，沿路设置柴草集中堆放点",
            ),
            said(
                "路灯坏了三盏，晚上出行不安全",
                &["zhujian"],
                "住建局现场答复：三日内安排维修人员更换灯具",
                "已更换损坏路灯，并明确由村委会负责日常报修",
            ),
            said(
                "砂石场粉尘大，晾晒的衣服都是灰",
                &["huanbao", "ziranziyuan"],
                "现场检查后责令砂石场停产整改，加装喷淋设施",
                "砂石场已加装喷淋降尘设施，经复查达标后复产",
            ),
            said(
                "河道里漂着垃圾，保洁员很少来打捞",
                &["shuili", "huanbao"],
                "现场明确河道保洁由村级河长负责，每日巡河打捞",
                "已增加河道保洁员一名，实行每日巡河打捞并记录",
            ),
        ],
    },
    Kind {
        code: "eco_corridor",
        name: "生态廊道补偿",
        said: &[
            said(
                "生态廊道占用的林地补偿款至今没有到位",
                &["linye", "ziranziyuan", "caizheng"],
                "现场查明补偿款已拨付至乡镇，乡镇承诺五个工作日内发放到户",
                "补偿款已全额发放到户，发放明细在村务公开栏公示",
            ),
            said(
                "廊道建设砍了果树，补偿标准没有公开",
                &["linye", "ziranziyuan"],
                "现场公开果树补偿标准和测算方法，村里三日内张榜公示到户金额",
                "补偿标准和到户金额已张榜公示，公示期内无异议",
            ),
            said(
                "同一片地两户补偿金额不一样，不知道怎么算的",
                &["ziranziyuan", "linye"],
                "现场核对丈量台账：两户地类不同，补偿标准不同，已当面解释",
                "已重新核对两户地类和面积，测算明细已送达两户",
            ),
            said(
                "廊道苗木管护费去年拖欠了半年",
                &["linye", "caizheng"],
                "现场确认管护费拖欠属实，承诺本月内结清",
                "管护费已结清，今后按季度发放",
            ),
            said(
                "生态廊道占地面积丈量有误，少算了两分地",
                &["ziranziyuan", "linye"],
                "现场约定会同村民代表重新丈量",
                "已重新丈量确认面积，差额补偿款已纳入下一批拨付",
            ),
            said(
                "补偿款打到了村集体账户，没有分到户",
                &["caizheng", "linye", "nonglin"],
                "现场调阅村账，补偿款在村账户，村里当场承诺十日内按公示名单发放",
                "补偿款已按公示名单发放到户，村账已公开",
            ),
            said(
                "廊道两侧新栽的苗木死了一大片，没人补种",
                &["linye", "huanbao"],
                "现场答复：由施工单位在养护期内补植，开春前完成",
                "施工单位已完成补植，纳入养护期考核",
            ),
        ],
    },
    Kind {
        code: "road",
        name: "道路设施",
        said: &[
            said(
                "村口二十米断头路未打通，雨天无法通行",
                &["jiaotong", "zhujian"],
                "现场答复：断头路已列入本年度农村公路计划，月底前开工",
                "断头路已打通并硬化，已通车",
            ),
            said(
                "通组公路路面塌陷一年多没人修",
                &["jiaotong"],
                "交通运输局现场安排养护站当天设置警示，一周内修复",
                "已完成路面修复并通车，纳入日常养护",
            ),
            said(
                "桥面护栏缺了一段，孩子上学经过很危险",
                &["jiaotong", "shuili"],
                "现场确认护栏缺损，当天安排补装",
                "护栏已补装到位，并增设减速标志",
            ),
            said(
                "硬化路只修到村部，后面三个组还是泥巴路",
                &["jiaotong"],
                "现场说明：剩余路段已纳入明年农村公路建设计划，正在测量设计",
                "道路延伸段已列入明年农村公路建设计划，已完成测量设计",
            ),
            said(
                "村道修了不到两年就开裂，质量有问题",
                &["jiaotong", "zhujian"],
                "现场查看开裂路段，承诺委托第三方检测",
                "已委托第三方检测路面质量，施工单位在保修期内返修",
            ),
            said(
                "排水沟被填平了，一下雨路面就积水",
                &["jiaotong", "shuili", "zhujian"],
                "现场安排村里组织清理排水沟，部门提供技术指导",
                "排水沟已清淤疏通，易积水路段加装涵管",
            ),
        ],
    },
    Kind {
        code: "land_comp",
        name: "土地补偿款",
        said: &[
            said(
                "修路征用的土地补偿款拖了三年没给",
                &["jiaotong", "ziranziyuan", "caizheng"],
                "现场查阅拨付凭证，补偿款已到乡镇账户，乡镇承诺十日内发放到户",
                "经核实拖欠属实，补偿款已发放到户",
            ),
            said(
                "土地流转费去年没有按合同支付",
                &["nonglin"],
                "农业农村局现场约谈流转企业，企业承诺月底前付清",
                "流转企业已付清拖欠的流转费，已纳入流转履约监管",
            ),
            said(
                "征地补偿款分配方案没开村民大会就定了",
                &["ziranziyuan", "nonglin"],
                "现场要求村里暂停发放，召开村民代表会议重新表决",
                "补偿款分配方案已提交村民代表会议重新表决并公示",
            ),
            said(
                "临时用地到期后没有复垦，也不再付租金",
                &["ziranziyuan"],
                "自然资源和规划局现场约定由用地单位限期复垦，复垦前照付租金",
                "用地单位已完成复垦并补付租金，经验收交还农户",
            ),
            said(
                "青苗补偿费被村里扣了一部分，没有说明",
                &["nonglin", "caizheng"],
                "现场调阅村账，扣款为代缴的水费，村里当场出具明细并退还多扣部分",
                "多扣的青苗补偿费已退还，相关村干部已作检讨",
            ),
            said(
                "土地使用费收了以后去向不明，一直没有公开",
                &["caizheng", "nonglin"],
                "现场要求村会计三日内公开土地使用费收支明细",
                "经审计核查，土地使用费已入村集体账，收支明细已公开",
            ),
        ],
    },
    Kind {
        code: "water",
        name: "饮水安全",
        said: &[
            said(
                "自来水经常停水，一停就是两三天",
                &["shuili"],
                "水利局现场答复：管网改造本月完工，其间安排送水车每日送水",
                "已更换老化管网，供水恢复正常",
            ),
            said(
                "水龙头放出来的水发黄，有沉淀",
                &["shuili", "huanbao"],
                "现场取样送检，当天安排清洗蓄水池",
                "水质已送检，结果达标；蓄水池已清淤消毒",
            ),
            said(
                "高处几户水压不够，白天接不到水",
                &["shuili"],
                "水利局现场确认高处供水不足，承诺加装加压泵",
                "已加装加压泵，高处农户供水正常",
            ),
            said(
                "山塘水源地旁边有人养鸭",
                &["huanbao", "shuili"],
                "现场责令养殖户限期迁出水源保护范围",
                "已清理水源保护区内养殖，设立警示牌",
            ),
            said(
                "水费涨了但没有开会征求意见",
                &["shuili"],
                "现场说明水价调整依据，村里补开供水户代表会议",
                "水价调整方案已重新征求供水户意见并公示",
            ),
        ],
    },
    Kind {
        code: "collective",
        name: "集体资产",
        said: &[
            said(
                "村集体山林承包合同到期后私下续签，没有公开招标",
                &["nonglin", "linye"],
                "现场调阅合同，要求到期后一律进入农村产权交易平台公开发包",
                "已责成村委会重新公开发包，原续签合同依法终止",
            ),
            said(
                "村里的店面出租价格明显偏低，租给了村干部亲戚",
                &["nonglin", "caizheng"],
                "现场要求村里对店面租金进行评估，重新公开招租",
                "店面已重新公开招租，租金较原合同提高",
            ),
            said(
                "集体经济收入怎么花的没有公开",
                &["nonglin", "caizheng"],
                "现场要求村里按季度公开集体经济收支，本月底前补公开",
                "已将集体经济收支明细在村务公开栏和微信群公开",
            ),
            said(
                "村部旧楼卖了，钱去哪了不清楚",
                &["nonglin", "caizheng"],
                "现场调阅处置记录，出售款已入村集体账户，当场向群众出示凭证",
                "经核查，出售款已全额入账，处置程序和资金去向已公示",
            ),
            said(
                "光伏电站的收益分红没有按时发放",
                &["nonglin", "caizheng"],
                "现场查明收益已到账，村里承诺十日内按名单分红到户",
                "光伏收益已补发到户，今后按季度分红并公示",
            ),
        ],
    },
    Kind {
        code: "other",
        name: "其他",
        said: &[
            said(
                "村里文化广场被人长期占用停放货车",
                &["zhujian"],
                "现场协调车主三日内挪走车辆，村里设置限停标志",
                "占用车辆已清理，广场入口加装限高杆",
            ),
            said(
                "小河上的便桥被冲毁后一直没修，孩子上学绕远路",
                &["jiaotong", "shuili"],
                "现场答复：先搭建临时便道，再纳入危桥改造计划",
                "便桥已纳入危桥改造计划，临时便道已通行",
            ),
            said(
                "农机购置补贴申请半年了还没到账",
                &["nonglin", "caizheng"],
                "现场查询补贴系统，资金已审核，承诺本月内拨付",
                "农机购置补贴已拨付到户",
            ),
            said(
                "山上有人偷砍林木，举报了没人来查",
                &["linye"],
                "林业局现场登记线索，次日派执法人员核查",
                "经核查盗伐属实，已立案查处并责令补种",
            ),
            said(
                "村旁河道有人偷采河砂，晚上机器响",
                &["shuili", "ziranziyuan"],
                "现场答复：当晚组织执法巡查，查实后依法处罚",
                "已查处非法采砂行为，没收采砂设备，河道设置监控",
            ),
        ],
    },
];

/// What a department says when it starts the work.
pub(super) const RECTIFYING: [&str; 4] = [
    "已到现场核查，整改方案已制定",
    "已与乡镇、村对接，正在逐项落实",
    "已列入整改台账，明确专人负责，正在办理",
    "已约谈相关责任人，正在督促整改",
];

/// The inspection group's note when it closes a concern after checking with the villager.
pub(super) const CLOSED_FIXED: [&str; 3] = [
    "经回访群众，问题已解决，群众满意，予以销号",
    "巡察组现场核验整改到位，予以销号",
    "经村民代表确认整改完成，予以销号",
];
pub(super) const CLOSED_NOT_FIXED: [&str; 2] = [
    "受政策限制暂无法解决，已向群众解释清楚，转入长期跟踪",
    "涉及历史遗留问题，已移交乡镇持续跟进，本轮巡察不再跟踪",
];
/// A department's answer when the problem cannot be fixed for now.
pub(super) const CANNOT_FIX: [&str; 2] = [
    "经研究，该问题涉及政策调整，暂不具备解决条件，已向当事群众解释政策依据",
    "经核查，该问题形成于二〇一〇年前，需乡镇统筹处理，本部门已提出处理建议",
];
/// A department passing a concern back: it belongs to someone else.
pub(super) const NOT_OURS: [&str; 2] = [
    "该事项属乡镇职责范围，不属本部门，建议由乡镇政府办理",
    "经核查该事项属村级自治事务，不属本部门职责",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_something_to_say() {
        let known = |d: &&str| super::super::units::DEPARTMENTS.iter().any(|(c, _)| c == d);
        for k in &KINDS {
            assert!(k.said.len() >= 5, "{}", k.code);
            assert!(
                k.said
                    .iter()
                    .all(|s| !s.departments.is_empty() && s.departments.iter().all(known))
            );
        }
    }
}
