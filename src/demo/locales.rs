//! The countries demo contacts come from: names, streets, cities, phone number plans, mail
//! domains and IBAN formats, and the IBAN check digits that make generated numbers valid.

/// Names, places and number formats of one country.
pub(super) struct Locale {
    /// ISO 3166-1 alpha-2.
    pub(super) country: &'static str,
    pub(super) first_names: &'static [&'static str],
    pub(super) last_names: &'static [&'static str],
    pub(super) streets: &'static [&'static str],
    /// Whether the house number comes before the street (`221 Baker Street`).
    pub(super) number_first: bool,
    /// City, state and a postcode pattern (`#` a digit, `@` a letter).
    pub(super) cities: &'static [(&'static str, Option<&'static str>, &'static str)],
    /// E.164 prefixes and how many digits follow them.
    pub(super) mobile: (&'static [&'static str], usize),
    pub(super) landline: (&'static [&'static str], usize),
    pub(super) mail_domains: &'static [&'static str],
    /// The country's IBAN format; `None` where IBANs are not used or the BBAN carries a
    /// national check digit (ES, FR), so its contacts have no bank account.
    pub(super) bank: Option<&'static BankFormat>,
}

impl Locale {
    pub(super) fn street_line(&self, street: &str, number: u64) -> String {
        if self.number_first {
            format!("{number} {street}")
        } else {
            format!("{street} {number}")
        }
    }
}

/// An IBAN country format whose BBAN is a bank code followed by digits (no national check
/// digit, so any digits make a valid BBAN).
pub(super) struct BankFormat {
    pub(super) country: &'static str,
    /// Bank codes (the start of the BBAN) with the bank's SWIFT/BIC.
    pub(super) banks: &'static [(&'static str, &'static str)],
    pub(super) account_digits: usize,
}

// Data tables, laid out by hand: one line per kind of value reads better than one per name.
#[rustfmt::skip]
pub(super) const PT: Locale = Locale {
    country: "PT",
    first_names: &["Ana", "João", "Maria", "Tiago", "Inês", "Pedro", "Beatriz", "Miguel", "Sofia",
        "Rui", "Catarina", "Duarte", "Mariana", "Gonçalo", "Leonor", "Francisco"],
    last_names: &["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues",
        "Martins", "Sousa", "Gonçalves", "Lopes", "Marques"],
    streets: &["Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina", "Rua do Ouro",
        "Avenida dos Aliados"],
    number_first: false,
    cities: &[("Lisboa", None, "1###-###"), ("Porto", None, "4###-###"),
        ("Braga", None, "47##-###"), ("Coimbra", None, "30##-###")],
    mobile: (&["+35191", "+35192", "+35193", "+35196"], 7),
    landline: (&["+35121", "+35122"], 7),
    mail_domains: &["correio.example", "mail.example"],
    bank: Some(&BankFormat {
        country: "PT",
        banks: &[("0035", "CGDIPTPL"), ("0033", "BCOMPTPL"), ("0010", "BBPIPTPL"),
            ("0007", "BESCPTPL")],
        account_digits: 17,
    }),
};

#[rustfmt::skip]
pub(super) const GB: Locale = Locale {
    country: "GB",
    first_names: &["Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily",
        "Charlotte", "Thomas", "Grace", "William"],
    last_names: &["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas",
        "Roberts", "Walker", "Wright", "Hughes"],
    streets: &["Baker Street", "High Street", "Station Road", "Church Lane", "Victoria Road"],
    number_first: true,
    cities: &[("London", None, "EC1A #@@"), ("Manchester", None, "M# #@@"),
        ("Leeds", None, "LS# #@@"), ("Bristol", None, "BS# #@@")],
    mobile: (&["+44771", "+44777", "+44781", "+44795"], 7),
    landline: (&["+44203", "+44207", "+44208"], 7),
    mail_domains: &["post.example", "mail.example"],
    bank: Some(&BankFormat {
        country: "GB",
        banks: &[("BARC", "BARCGB22"), ("NWBK", "NWBKGB2L"), ("LOYD", "LOYDGB2L"),
            ("HBUK", "HBUKGB4B")],
        // A six-digit sort code and an eight-digit account number.
        account_digits: 14,
    }),
};

#[rustfmt::skip]
pub(super) const DE: Locale = Locale {
    country: "DE",
    first_names: &["Lukas", "Hannah", "Jonas", "Lea", "Felix", "Mia", "Leon", "Emma", "Paul",
        "Lina", "Maximilian", "Sophie"],
    last_names: &["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
        "Becker", "Hoffmann", "Schulz", "Koch", "Richter"],
    streets: &["Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße", "Lindenallee"],
    number_first: false,
    cities: &[("Berlin", None, "10###"), ("München", None, "80###"), ("Hamburg", None, "20###"),
        ("Köln", None, "50###")],
    mobile: (&["+49151", "+49157", "+49176"], 8),
    landline: (&["+4930", "+4940"], 8),
    mail_domains: &["post.example", "mail.example"],
    bank: Some(&BankFormat {
        country: "DE",
        banks: &[("37040044", "COBADEFFXXX"), ("50010517", "INGDDEFFXXX"),
            ("10070000", "DEUTDEBBXXX"), ("70150000", "SSKMDEMMXXX")],
        account_digits: 10,
    }),
};

#[rustfmt::skip]
pub(super) const ES: Locale = Locale {
    country: "ES",
    first_names: &["Lucía", "Javier", "Carmen", "Mateo", "Sofía", "Hugo", "Martina", "Pablo",
        "Elena", "Diego"],
    last_names: &["García", "Martínez", "López", "Sánchez", "Fernández", "González", "Pérez",
        "Romero", "Navarro", "Torres"],
    streets: &["Calle Mayor", "Gran Vía", "Calle de Alcalá", "Paseo de Gracia"],
    number_first: false,
    cities: &[("Madrid", None, "280##"), ("Barcelona", None, "080##"),
        ("Valencia", None, "460##"), ("Sevilla", None, "410##")],
    mobile: (&["+3460", "+3461", "+3465", "+3467"], 7),
    landline: (&["+3491", "+3493"], 7),
    mail_domains: &["correo.example", "mail.example"],
    bank: None,
};

#[rustfmt::skip]
pub(super) const FR: Locale = Locale {
    country: "FR",
    first_names: &["Louis", "Camille", "Hugo", "Élodie", "Jules", "Chloé", "Gabriel", "Manon",
        "Arthur", "Léa"],
    last_names: &["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
        "Durand", "Lefèvre", "Moreau"],
    streets: &["Rue de Rivoli", "Avenue Victor Hugo", "Rue de la République",
        "Boulevard Voltaire"],
    number_first: true,
    cities: &[("Paris", None, "750##"), ("Lyon", None, "6900#"), ("Marseille", None, "130##"),
        ("Bordeaux", None, "330##")],
    // +33 69x is Réunion and the Antilles, not metropolitan France.
    mobile: (&["+3361", "+3362", "+3365", "+3366", "+3367", "+3368"], 7),
    landline: (&["+3314", "+3347"], 7),
    mail_domains: &["courriel.example", "mail.example"],
    bank: None,
};

#[rustfmt::skip]
pub(super) const NL: Locale = Locale {
    country: "NL",
    first_names: &["Daan", "Sanne", "Sem", "Julia", "Lucas", "Fleur", "Bram", "Lotte", "Thijs",
        "Noor"],
    last_names: &["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit",
        "Meijer", "de Boer", "Mulder"],
    streets: &["Kalverstraat", "Damrak", "Herengracht", "Coolsingel"],
    number_first: false,
    cities: &[("Amsterdam", None, "10## @@"), ("Rotterdam", None, "30## @@"),
        ("Utrecht", None, "35## @@")],
    // 06-1 to 06-5 are the mobile blocks in use.
    mobile: (&["+3161", "+3162", "+3163", "+3164", "+3165"], 7),
    landline: (&["+3120", "+3110"], 7),
    mail_domains: &["post.example", "mail.example"],
    bank: Some(&BankFormat {
        country: "NL",
        banks: &[("INGB", "INGBNL2A"), ("RABO", "RABONL2U"), ("ABNA", "ABNANL2A")],
        account_digits: 10,
    }),
};

#[rustfmt::skip]
pub(super) const US: Locale = Locale {
    country: "US",
    first_names: &["Emma", "Noah", "Olivia", "Liam", "Ethan", "Madison", "James", "Abigail",
        "Mason", "Harper"],
    last_names: &["Johnson", "Miller", "Davis", "Clark", "Young", "Allen", "King", "Scott",
        "Green", "Baker"],
    streets: &["Main Street", "Park Avenue", "Oak Street", "Maple Avenue", "Washington Street"],
    number_first: true,
    cities: &[("New York", Some("NY"), "100##"), ("Boston", Some("MA"), "021##"),
        ("Chicago", Some("IL"), "606##"), ("Seattle", Some("WA"), "981##")],
    // NANP exchanges start with 2..9, so the prefixes include the first exchange digit.
    mobile: (&["+16462", "+19173", "+16174"], 6),
    landline: (&["+12127", "+13124"], 6),
    mail_domains: &["mail.example", "inbox.example"],
    bank: None,
};

/// The IBAN of `bban` in `country`, in electronic form, with its ISO 13616 check digits:
/// 98 minus (BBAN + country + "00", letters as 10..35) mod 97.
pub(super) fn iban(country: &str, bban: &str) -> String {
    let remainder = bban
        .chars()
        .chain(country.chars())
        .chain("00".chars())
        .fold(0_u32, |rem, c| {
            // Callers pass ASCII letters and digits only; base 36 maps them to 0..35.
            let value = c.to_digit(36).unwrap_or(0);
            if value < 10 {
                (rem * 10 + value) % 97
            } else {
                (rem * 100 + value) % 97
            }
        });
    format!("{country}{:02}{bban}", 98 - remainder)
}

#[cfg(test)]
mod tests {
    use rand::seq::IndexedRandom as _;

    use super::*;
    use crate::demo::random::{DemoValues as _, seeded};
    use crate::validation::{parse_bic, parse_iban, parse_phone};

    const LOCALES: &[&Locale] = &[&PT, &GB, &DE, &ES, &FR, &NL, &US];

    #[test]
    fn iban_check_digits_match_the_standard_examples() {
        assert_eq!(iban("DE", "370400440532013000"), "DE89370400440532013000");
        assert_eq!(iban("GB", "WEST12345698765432"), "GB82WEST12345698765432");
        assert_eq!(iban("NL", "ABNA0417164300"), "NL91ABNA0417164300");
    }

    #[test]
    fn generated_ibans_are_valid_and_electronic() {
        let mut rng = seeded(7);
        for bank in LOCALES.iter().filter_map(|l| l.bank) {
            for _ in 0..500 {
                let (code, bic) = bank.banks.choose(&mut rng).expect("every format has banks");
                assert_eq!(parse_bic(bic).as_deref(), Ok(*bic));
                let bban = format!("{code}{}", rng.digits(bank.account_digits));
                let value = iban(bank.country, &bban);
                assert_eq!(parse_iban(&value).as_deref(), Ok(value.as_str()));
            }
        }
    }

    #[test]
    fn generated_phones_are_valid_e164() {
        let mut rng = seeded(11);
        let mut invalid = Vec::new();
        for locale in LOCALES {
            for (prefixes, digits) in [locale.mobile, locale.landline] {
                for prefix in prefixes {
                    for _ in 0..200 {
                        let number = format!("{prefix}{}", rng.digits(digits));
                        if parse_phone(&number, None).as_deref() != Ok(number.as_str()) {
                            invalid.push(number);
                        }
                    }
                }
            }
        }
        assert!(invalid.is_empty(), "{invalid:?}");
    }

    #[test]
    fn generated_postcodes_and_street_lines_follow_the_country() {
        let mut rng = seeded(12);
        for locale in LOCALES {
            for (city, _, zip) in locale.cities {
                let code = rng.pattern(zip);
                assert_eq!(code.len(), zip.len(), "{city}: {code}");
                assert!(!code.contains(['#', '@']), "{city}: {code}");
            }
            let line = locale.street_line(locale.streets[0], 12);
            assert_eq!(line.starts_with("12 "), locale.number_first, "{line}");
        }
    }
}
