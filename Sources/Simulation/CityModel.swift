import Ledger

/// The assumptions of the city simulation, in one place. Figures marked "anchor" are public ones
/// (ARCHITECTURE.md); the rest are stated assumptions, chosen to be plausible, not to reproduce the
/// article's 88%: that share comes out of the behaviour streams and the rules.
public struct CityModel: Sendable {
    /// How much a pensioner moves about; sets their behaviour streams.
    public enum Mobility: String, Sendable, CaseIterable {
        case active, moderate, homebound
    }

    /// Mean events a month for each reference kind, by mobility.
    public var monthlyRates: [String: [Mobility: Double]] = [
        "outpatient_visit": [.active: 0.5, .moderate: 0.6, .homebound: 0.3],
        "pharmacy_purchase_insured": [.active: 0.6, .moderate: 0.8, .homebound: 0.6],
        "card_spending": [.active: 3, .moderate: 3, .homebound: 2],
        "bank_counter_visit": [.active: 0.25, .moderate: 0.12, .homebound: 0.02],
        "atm_withdrawal": [.active: 1, .moderate: 0.5, .homebound: 0.05],
        "bus_ride_senior_card": [.active: 6, .moderate: 2, .homebound: 0],
        "metro_ride_senior_card": [.active: 2, .moderate: 0.4, .homebound: 0],
        "rail_ticket_checked": [.active: 0.08, .moderate: 0.02, .homebound: 0],
        "flight_boarding": [.active: 0.03, .moderate: 0.005, .homebound: 0],
        "phone_call_activity": [.active: 8, .moderate: 6, .homebound: 3],
        "elderly_canteen_meal": [.active: 1.5, .moderate: 1, .homebound: 0],
        "community_video_sighting": [.active: 1, .moderate: 0.5, .homebound: 0.05],
        "inpatient_admission": [.active: 0.01, .moderate: 0.02, .homebound: 0.04],
    ]
    /// Strong evidence (a counter visit at the bureau) per person a month.
    public var strongMonthlyRate = 0.01
    /// Annual mortality by age band (anchor: about 3% across pensioners).
    public func annualMortality(age: Int) -> Double {
        switch age {
        case ..<70: 0.012
        case ..<80: 0.03
        case ..<90: 0.08
        default: 0.18
        }
    }
    /// Share of deaths in hospital, which then report a death certificate within 0-3 days.
    public var hospitalDeathShare = 0.55
    /// Cremation records arrive 1-10 days after death for this share of deaths (anchor: days).
    public var cremationRecordShare = 0.9
    /// Household deregistration arrives 14-120 days after death (anchor: weeks to months).
    public var deregistrationShare = 0.95
    /// Deaths a family hides to keep collecting: no record reaches the bureau, and the card and the
    /// phone stay in use (anchor: some families do).
    public var hiddenDeathShare = 0.03
    /// What a hiding family uses a month after the death, from several departments: the
    /// pensioner's social-security card, their app, their senior card, their bank card, their phone.
    public var hidingFamilyRates: [String: Double] = [
        "card_pharmacy_spending": 1.5, "card_spending": 2, "account_update_in_app": 0.3, "bus_ride_senior_card": 3,
        "atm_withdrawal": 1, "phone_call_activity": 6,
    ]
    /// ...and, now and then, a presence kind a sloppy ledger would accept from them (a relative at a
    /// clinic on the pensioner's insurance card).
    public var hidingPresenceLeakRates: [String: Double] = ["outpatient_visit": 0.03]
    /// Alive pensioners who answer a reminder with a face scan, and within how many days.
    public var reminderResponseShare = 0.75
    public var reminderResponseDays = 1...20
    /// Field checks happen this many days after the task opens; the person is found at home with
    /// this probability (always when immobile), else "unreachable".
    public var fieldCheckDays = 1...12
    public var foundAtHomeShare = 0.85
    /// Pensioners living elsewhere with no phone on file: they never answer and are never found.
    public var unreachableShare = 0.01
    /// Pensioners living alone (a home visit when warned at 80 or more).
    public var livesAloneShare = 0.2

    /// Days from an event to its delivery, by department (anchor: departments send daily or
    /// weekly batches; medical insurance settles within a week; registries are slower). A
    /// department not listed delivers the next day.
    public var feedDelayDays: [String: ClosedRange<Int>] = [
        "health_insurance": 1...7, "public_health": 3...14, "social_security_card": 1...2, "social_security_bureau": 0...1,
        "transport": 1...3, "railway": 1...2, "civil_aviation": 1...2, "bank": 1...3, "telecom": 1...5, "civil_affairs": 2...10,
        "community_video": 0...2, "community_office": 0...1, "police": 3...30, "health_commission": 0...3, "fastcert": 0...0,
    ]
    /// Days from a death to its record's delivery, by the record (anchor: days for a hospital
    /// certificate and cremation, weeks to months for the household deregistration).
    public var deathRecordDelayDays: [String: ClosedRange<Int>] = [
        "hospital_death_certificate": 0...3, "civil_affairs_cremation_record": 1...10, "police_household_deregistration": 14...120,
    ]
    /// A hospital stay: admission, then discharge this many days later, with little else meanwhile
    /// (the other streams run at `hospitalActivityShare` of their rate in a month with a stay).
    public var hospitalStayDays = 3...20
    public var hospitalActivityShare = 0.5
    /// Pensioners who move to another community in a year (their community's staff change).
    public var annualMoveShare = 0.02
    /// A recovery case: the money comes back (the bank reverses the transfers from the deceased's
    /// account) for this share, this many days after the case opens; the rest stay open.
    public var recoveredShare = 0.7
    public var recoveryDays = 20...120

    /// Cameras where the card is used (issue 30): the share of the card's uses at pharmacies and
    /// community canteens (`cameraKinds`) that happen at a site with a camera sending sightings.
    /// A stated assumption, not a measurement: 0 is today's city; `fastcert simulate
    /// --camera-coverage 0,0.25,0.5,0.75` shows what cameras buy.
    public var cameraCoverage = 0.5
    /// The card uses a camera site sees: pharmacy purchases on the card or the insurance card, and
    /// canteen meals paid with the senior card.
    public var cameraKinds: Set<String> = ["card_pharmacy_spending", "pharmacy_purchase_insured", "elderly_canteen_meal"]
    /// Of the captures, the share with a face the engine can decide on (frontal enough, large and
    /// sharp enough); the rest are `no_decision` (assumption: an unattended counter camera).
    public var cameraDecidableShare = 0.6
    /// The engine at the sighting thresholds (confirm 0.50, other_face 0.73), measured on
    /// lfw-devtrain's 2,209 genuine and 20,000 impostor pairs (docs/sightings-thresholds.md): a
    /// decidable capture of the card holder is confirmed but for `sightingFNMR`, and lands in
    /// `other_face` for `sightingGenuineOtherFace` of them; another person's face is confirmed for
    /// `sightingFMR` of them (a false match), `other_face` for `sightingImpostorOtherFace`, the
    /// rest `no_decision`.
    public var sightingFNMR = 0.196
    public var sightingGenuineOtherFace = 0.0009
    public var sightingFMR = 0.0001
    public var sightingImpostorOtherFace = 0.853

    public init() {}

    /// Mobility drawn from age: the old move less.
    public func mobility(age: Int, _ draw: Double) -> Mobility {
        let homebound = age >= 90 ? 0.45 : age >= 80 ? 0.25 : age >= 70 ? 0.1 : 0.04
        let moderate = age >= 80 ? 0.45 : 0.35
        return draw < homebound ? .homebound : draw < homebound + moderate ? .moderate : .active
    }

    /// Age at the start, by band: 60s 45%, 70s 33%, 80s 18%, 90+ 4%.
    public func age(_ draw: Double, _ within: Double) -> Int {
        let (low, span) = draw < 0.45 ? (60, 10) : draw < 0.78 ? (70, 10) : draw < 0.96 ? (80, 10) : (90, 10)
        return low + Int(within * Double(span))
    }
}
