//! Invented Chinese names for the demo county, so no demo row can be mistaken for a real place
//! or person.
//!
//! Names are built from syllable lists with the seeded generator; any one combination may
//! happen to exist somewhere, but the county code (province 99) marks the whole county as made up.

use std::collections::HashSet;

use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

/// One head per township, so no two townships share a first character (云埠镇 beside 云埠乡).
const TOWNSHIP_HEADS: [&str; 32] = [
    "青", "岚", "云", "松", "梅", "竹", "杏", "兰", "桂", "荷", "柳", "桐", "樟", "榆", "棠", "芦", "翠", "霞", "烟",
    "雁", "鹤", "栖", "澄", "岫", "桑", "枫", "杉", "苍", "碧", "白", "金", "玉",
];
const TOWNSHIP_TAILS: [&str; 20] = [
    "溪", "湾", "坪", "岭", "塘", "源", "峪", "桥", "石", "泉", "岗", "洲", "埠", "畈", "垄", "坳", "潭", "渡", "川",
    "屿",
];

const VILLAGE_HEADS: [&str; 40] = [
    "上", "下", "东", "西", "南", "北", "前", "后", "大", "小", "新", "老", "高", "长", "白", "红", "黄", "金", "马",
    "牛", "凤", "鹤", "桑", "麻", "茶", "杉", "柿", "枣", "枫", "柳", "石", "沙", "泥", "水", "桃", "梨", "竹", "松",
    "槐", "苇",
];
const VILLAGE_TAILS: [&str; 29] = [
    "庄", "湾", "坪", "岭", "塘", "坝", "冲", "坑", "岙", "垟", "店", "铺", "桥", "口", "头", "山", "田", "园", "林",
    "溪", "洞", "埂", "堰", "圩", "滩", "墩", "垸", "坞", "畲",
];
/// Clan villages (陈家岙, 周家坪) are common enough that a county without them looks wrong.
const CLAN_SURNAMES: [&str; 12] = ["陈", "周", "吴", "郑", "许", "何", "潘", "蒋", "叶", "施", "应", "童"];

const COMMUNITY_HEADS: [&str; 16] = [
    "锦", "翠", "安", "康", "福", "瑞", "祥", "和", "兴", "盛", "文", "德", "明", "华", "嘉", "悦",
];
const COMMUNITY_TAILS: [&str; 12] = ["苑", "园", "城", "里", "坊", "庭", "湖", "河", "桥", "山", "阳", "江"];

const SURNAMES: [&str; 48] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "潘", "袁", "蔡",
    "蒋", "余", "叶", "程", "苏", "吕", "魏", "丁", "沈", "任",
];
/// Characters that read as a whole given name on their own (王伟, 李静).
const GIVEN_SINGLE: [&str; 32] = [
    "伟", "军", "平", "涛", "斌", "磊", "强", "杰", "峰", "鹏", "敏", "静", "燕", "霞", "娟", "婷", "芳", "琳", "红",
    "梅", "勇", "亮", "颖", "莉", "欣", "航", "晨", "雪", "蕾", "华", "明", "辉",
];
const GIVEN: [&str; 64] = [
    "建", "国", "华", "明", "伟", "军", "平", "海", "涛", "斌", "磊", "强", "志", "文", "杰", "峰", "鹏", "宇", "晓",
    "丽", "敏", "静", "燕", "霞", "娟", "婷", "芳", "琳", "红", "梅", "新", "春", "卫", "东", "成", "荣", "立", "忠",
    "良", "岩", "波", "辉", "俊", "勇", "亮", "颖", "倩", "莉", "佳", "欣", "瑶", "睿", "航", "哲", "晨", "阳", "雪",
    "蕾", "雯", "思", "嘉", "子", "一", "远",
];

/// Picks from lists with the seeded generator and remembers what it gave out, so a name is
/// never handed out twice within its scope: the current township, or the whole county.
pub(super) struct Namer<'a> {
    rng: &'a mut ChaCha8Rng,
    township: HashSet<String>,
    county: HashSet<String>,
}

impl<'a> Namer<'a> {
    pub(super) fn new(rng: &'a mut ChaCha8Rng) -> Self {
        Self {
            rng,
            township: HashSet::new(),
            county: HashSet::new(),
        }
    }

    /// Starts the next township's villages on the same generator.
    pub(super) fn next_township(&mut self) {
        self.township.clear();
    }

    /// A township name with its suffix (镇, 乡 or 街道), its first character unused so far.
    pub(super) fn township(&mut self, suffix: &str) -> String {
        self.unique(true, |rng| {
            let head = pick(rng, &TOWNSHIP_HEADS);
            let name = format!("{head}{}{suffix}", pick(rng, &TOWNSHIP_TAILS));
            (format!("township-head:{head}"), name)
        })
    }

    /// A village name, unique in its township (villages in different townships may share one).
    pub(super) fn village(&mut self) -> String {
        self.unique(false, |rng| {
            let name = if rng.random_bool(0.2) {
                format!("{}家{}村", pick(rng, &CLAN_SURNAMES), pick(rng, &VILLAGE_TAILS))
            } else {
                format!("{}{}村", pick(rng, &VILLAGE_HEADS), pick(rng, &VILLAGE_TAILS))
            };
            (name.clone(), name)
        })
    }

    /// A community name, unique in the county: communities are few and named by the town.
    pub(super) fn community(&mut self) -> String {
        self.unique(true, |rng| {
            let name = format!("{}{}社区", pick(rng, &COMMUNITY_HEADS), pick(rng, &COMMUNITY_TAILS));
            (name.clone(), name)
        })
    }

    /// A person's name, unique in the county so demo accounts are told apart by name.
    pub(super) fn person(&mut self) -> String {
        self.unique(true, |rng| {
            let surname = pick(rng, &SURNAMES);
            let name = if rng.random_bool(0.3) {
                format!("{surname}{}", pick(rng, &GIVEN_SINGLE))
            } else {
                let first = pick(rng, &GIVEN);
                let mut second = pick(rng, &GIVEN);
                while second == first {
                    second = pick(rng, &GIVEN);
                }
                format!("{surname}{first}{second}")
            };
            (name.clone(), name)
        })
    }

    pub(super) fn rng(&mut self) -> &mut ChaCha8Rng {
        self.rng
    }

    /// Draws until the key is new in the scope. Every list combines into far more names than a
    /// scope needs (29 townships of 32 heads, a few dozen villages, ~130 people), so this ends
    /// after a few draws.
    fn unique(&mut self, county_wide: bool, mut draw: impl FnMut(&mut ChaCha8Rng) -> (String, String)) -> String {
        loop {
            let (key, name) = draw(self.rng);
            let scope = if county_wide {
                &mut self.county
            } else {
                &mut self.township
            };
            if scope.insert(key) {
                return name;
            }
        }
    }
}

fn pick(rng: &mut ChaCha8Rng, list: &[&'static str]) -> &'static str {
    // The lists are non-empty constants.
    list.choose(rng).copied().unwrap_or("青")
}

/// 一 … 九十九, for 第一纪检监察室 and 派驻第十四纪检监察组.
pub(super) fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_in_unit_names() {
        let got: Vec<_> = [1, 5, 10, 14, 20, 23].into_iter().map(chinese_number).collect();
        assert_eq!(got, ["一", "五", "十", "十四", "二十", "二十三"]);
    }
}
