/// Word lists for generated festival data: Swedish names, titles, organisations, streets of
/// Visby and the phrases event titles are built from.
///
/// Public bodies, parties, unions and associations are named as they are (the programme is
/// full of them); companies, media, networks and foundations are invented. No contact detail
/// here points anywhere real: generated addresses use `.example` domains.
enum SwedishWords {
  // MARK: People

  static let firstNames = [
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Kerstin", "Emma", "Ingrid", "Malin",
    "Sofia", "Johanna", "Elin", "Linnéa", "Ida", "Hanna", "Helena", "Annika", "Camilla",
    "Jenny", "Frida", "Maja", "Ebba", "Klara", "Alva", "Elsa", "Astrid", "Ulrika", "Cecilia",
    "Therese", "Louise", "Matilda", "Amanda", "Julia", "Åsa", "Birgitta", "Margareta",
    "Gunilla", "Susanne", "Magdalena", "Jessica", "Josefin", "Nora", "Agnes", "Tove", "Moa",
    "Fatima", "Amira", "Leila", "Yasmin", "Mirja", "Aino", "Anna-Karin", "Ann-Sofie", "Lovisa",
    "Signe", "Vera", "Stina", "Märta", "Liv", "Lars", "Anders", "Johan", "Per", "Erik", "Karl",
    "Peter", "Mikael", "Jan", "Thomas", "Daniel", "Fredrik", "Hans", "Stefan", "Magnus",
    "Mattias", "Jonas", "Andreas", "Henrik", "Niklas", "Martin", "Björn", "Gustav", "Oskar",
    "Viktor", "Axel", "Filip", "Emil", "Isak", "Olof", "Ulf", "Göran", "Kjell", "Bengt", "Sven",
    "Nils", "Pontus", "Rasmus", "Jesper", "Tobias", "Sebastian", "Joakim", "Patrik",
    "Kristoffer", "Linus", "Albin", "Hugo", "Ali", "Ahmed", "Mohammed", "Omar", "Hassan",
    "Dragan", "Mehmet", "Arvid", "Ludvig", "Elias", "Wilhelm", "Samir", "Jussi", "Per-Olof",
    "Lars-Erik", "Håkan", "Åke", "Torbjörn", "Roger",
  ]

  static let lastNames = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström",
    "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren",
    "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg",
    "Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson", "Björk",
    "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson",
    "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg",
    "Blomqvist", "Claesson", "Nordström", "Mårtensson", "Lundström", "Viklund", "Björklund",
    "Eliasson", "Pålsson", "Berggren", "Sandström", "Lund", "Nordin", "Ström", "Åberg",
    "Hermansson", "Ekström", "Holmgren", "Sundberg", "Hedlund", "Dahlberg", "Hellström",
    "Sjögren", "Abrahamsson", "Falk", "Öberg", "Martinsson", "Andreasson", "Blom", "Ek",
    "Strand", "Hedberg", "Månsson", "Sundström", "Hassan", "Ali", "Mohammed", "Ahmadi",
    "Nguyen", "Yilmaz", "Rahimi", "Hosseini", "Virtanen", "Korhonen", "Kovačević", "Ljungberg",
    "Dahl", "Roos", "Sjöstrand", "Rydén", "Stenström", "Lingvall", "Hejdström", "Klintberg",
    "Ahlqvist", "Engdahl", "Norén", "Wennberg", "Östlund", "Granath",
  ]

  /// The eight parties of the Riksdag: abbreviation, name, and a relative size for how often
  /// a generated politician belongs to it.
  static let parties: [(abbreviation: String, name: String, weight: Int)] = [
    ("S", "Socialdemokraterna", 30), ("M", "Moderaterna", 19), ("SD", "Sverigedemokraterna", 20),
    ("C", "Centerpartiet", 7), ("V", "Vänsterpartiet", 7), ("KD", "Kristdemokraterna", 5),
    ("L", "Liberalerna", 5), ("MP", "Miljöpartiet", 5),
  ]

  static let politicianTitles = [
    "riksdagsledamot", "riksdagsledamot", "riksdagsledamot", "kommunalråd", "regionråd",
    "oppositionsråd", "gruppledare", "partisekreterare", "EU-parlamentariker", "partiledare",
    "ekonomisk-politisk talesperson", "klimatpolitisk talesperson",
    "utbildningspolitisk talesperson", "försvarspolitisk talesperson",
    "rättspolitisk talesperson", "arbetsmarknadspolitisk talesperson",
    "bostadspolitisk talesperson", "energipolitisk talesperson", "sjukvårdspolitisk talesperson",
    "migrationspolitisk talesperson", "kulturpolitisk talesperson", "landsbygdsminister",
    "statssekreterare", "ordförande i socialutskottet", "ordförande i finansutskottet",
  ]

  static let politicianPlaces = [
    "Riksdagen", "Riksdagen", "Riksdagen", "Region Gotland", "Europaparlamentet",
    "Stockholms stad", "Göteborgs Stad", "Malmö stad", "Region Skåne", "Umeå kommun",
    "Regeringskansliet",
  ]

  static let titles = [
    "generaldirektör", "vd", "chefsekonom", "forskare", "professor i nationalekonomi",
    "professor i statsvetenskap", "docent", "analytiker", "utredare", "kommunikationschef",
    "hållbarhetschef", "förbundsordförande", "ordförande", "generalsekreterare",
    "verksamhetschef", "överläkare", "sjuksköterska", "rektor", "lärare", "lantbrukare",
    "entreprenör", "näringspolitisk chef", "enhetschef", "projektledare", "strateg", "jurist",
    "avdelningschef", "policyexpert", "samhällsdebattör", "biträdande generaldirektör",
    "regionchef", "säkerhetschef", "chefsjurist", "programansvarig", "utvecklingschef",
    "senior rådgivare", "kanslichef", "vice ordförande", "doktorand", "grundare",
  ]

  static let journalistTitles = [
    "journalist", "politisk reporter", "programledare", "krönikör", "moderator",
    "chefredaktör", "inrikespolitisk kommentator",
  ]

  /// Invented newsrooms and podcasts, for moderators and journalists.
  static let media = [
    "Visby Dagblad", "Radio Östersjön", "Tidskriften Samhälle", "Nyhetsbrevet Politikveckan",
    "Podden Almedalen", "Gotlandskanalen", "Magasinet Kommun och Region", "Veckans Ekonomi",
  ]

  // MARK: Organisers

  /// Public bodies, regions and municipalities.
  static let agencies = [
    "Försäkringskassan", "Arbetsförmedlingen", "Region Gotland", "Skatteverket",
    "Folkhälsomyndigheten", "Socialstyrelsen", "Naturvårdsverket", "Energimyndigheten",
    "Trafikverket", "Polismyndigheten", "Försvarsmakten",
    "Myndigheten för samhällsskydd och beredskap", "Skolverket", "Migrationsverket", "Boverket",
    "Livsmedelsverket", "Jordbruksverket", "Tillväxtverket", "Vinnova", "Vetenskapsrådet",
    "Kriminalvården", "Domstolsverket", "Pensionsmyndigheten", "E-hälsomyndigheten",
    "Myndigheten för digital förvaltning", "Läkemedelsverket", "Statistiska centralbyrån",
    "Finansinspektionen", "Konsumentverket", "Jämställdhetsmyndigheten",
    "Diskrimineringsombudsmannen", "Totalförsvarets forskningsinstitut", "Kustbevakningen",
    "Sjöfartsverket", "Transportstyrelsen", "Post- och telestyrelsen", "Kulturrådet",
    "Riksantikvarieämbetet", "Region Stockholm", "Västra Götalandsregionen", "Region Skåne",
    "Region Uppsala", "Region Östergötland", "Region Norrbotten", "Region Västerbotten",
    "Region Jämtland Härjedalen", "Region Dalarna", "Region Kalmar län", "Stockholms stad",
    "Göteborgs Stad", "Malmö stad", "Uppsala kommun", "Umeå kommun", "Luleå kommun",
    "Sveriges Kommuner och Regioner", "Myndigheten för psykologiskt försvar",
    "Inspektionen för vård och omsorg", "Skolinspektionen", "Brottsförebyggande rådet",
  ]

  static let unionsAndEmployers = [
    "LO", "TCO", "Saco", "Kommunal", "Unionen", "IF Metall", "Vision", "Vårdförbundet",
    "Sveriges Lärare", "Akademikerförbundet SSR", "Sveriges läkarförbund",
    "Handelsanställdas förbund", "Byggnads", "Seko", "Transportarbetareförbundet",
    "Journalistförbundet", "Ledarna", "Sveriges Ingenjörer", "Akavia", "Svenskt Näringsliv",
    "Företagarna", "Almega", "Teknikföretagen", "Svensk Handel", "Byggföretagen",
    "Lantbrukarnas Riksförbund", "Fastighetsägarna", "Energiföretagen Sverige",
    "Svensk Sjöfart", "Visita",
  ]

  static let associations = [
    "Svenska Röda Korset", "Rädda Barnen", "Stockholms Stadsmission", "Läkare utan gränser",
    "Naturskyddsföreningen", "Cancerfonden", "Hjärt-Lungfonden", "Funktionsrätt Sverige",
    "SPF Seniorerna", "PRO", "Friluftsfrämjandet", "Civil Rights Defenders", "Bris",
    "Unga Örnar", "Scouterna", "Studieförbundet Vuxenskolan", "ABF", "Folkuniversitetet",
    "Svenska kyrkan", "Hela Sverige ska leva", "Timbro", "Arena Idé", "Fores", "Katalys",
    "Tankesmedjan Tiden", "SNS", "Uppsala universitet", "Stockholms universitet",
    "Lunds universitet", "Karolinska Institutet", "KTH", "Chalmers", "Göteborgs universitet",
    "Linköpings universitet", "Umeå universitet", "Södertörns högskola", "Riksidrottsförbundet",
    "Svenska Kommunalpensionärernas Förbund", "Demensförbundet", "Astma- och Allergiförbundet",
    "Sveriges Elevkårer", "Landsrådet för Sveriges ungdomsorganisationer",
    "Sveriges Förenade Studentkårer", "Hyresgästföreningen", "Riksbyggen", "HSB",
  ]

  /// Youth leagues of the parties, in the same order as `parties`.
  static let youthLeagues = [
    "SSU", "Moderata ungdomsförbundet", "Ungsvenskarna", "Centerpartiets ungdomsförbund",
    "Ung Vänster", "KDU", "Liberala ungdomsförbundet", "Grön Ungdom",
  ]

  /// Parts of invented company names: a first part, a second part, and a legal form.
  static let companyHeads = [
    "Nord", "Syd", "Öst", "Väst", "Sten", "Havs", "Sol", "Vind", "Ljus", "Berg", "Skog", "Sjö",
    "Klint", "Rauk", "Gute", "Visby", "Lin", "Ask", "Ek", "Björk", "Alm", "Lind", "Gran",
    "Strand", "Fyr", "Mur", "Torn", "Kalk", "Ängs", "Bro", "Hamn", "Ring", "Sand", "Vall",
    "Hall", "Lund", "Dal", "Fjäll", "Älv",
  ]
  static let companyTails = [
    "vik", "kraft", "data", "bygg", "hälsa", "nät", "energi", "logistik", "fastigheter", "kom",
    "tech", "medica", "vård", "finans", "invest", "analys", "gruppen", "konsult", "säkerhet",
    "mat", "miljö", "transport", "kraftverk", "media", "förvaltning", "partner",
  ]
  static let companyForms = [
    "AB", "AB", "Sverige AB", "Group", "& Partners", "Holding AB", "Gotland AB", "Nordic AB",
    "Norden AB", "& Co",
  ]

  /// Invented associations and networks: a pattern with `#` for a noun phrase.
  static let networkPatterns = [
    "Nätverket för #", "Forum för #", "Föreningen för #", "Institutet för #",
    "Initiativet för #", "Samverkan för #", "Rådet för #", "Stiftelsen för #",
    "Alliansen för #", "Rörelsen för #",
  ]

  static let networkNouns = [
    "hållbar utveckling", "levande landsbygd", "trygga skolor", "jämlik hälsa",
    "digital delaktighet", "öppen debatt", "ett fossilfritt Gotland", "framtidens arbetsliv",
    "barns rättigheter", "psykisk hälsa", "äldres livskvalitet", "ett starkt civilsamhälle",
    "cirkulär ekonomi", "Östersjöns framtid", "god bebyggd miljö", "kultur i hela landet",
    "fri forskning", "ansvarsfull AI", "beredskap och säkerhet", "hållbara transporter",
    "rättvis handel", "trygg vård", "bättre boende", "unga i arbete", "kvinnors företagande",
    "inkludering", "folkbildning", "hav och kust", "friluftsliv", "demokratins villkor",
    "fossilfri sjöfart", "tillgänglig kollektivtrafik", "läsande barn", "jämlik skola",
    "trygg ålderdom", "ren luft", "levande skärgård", "små företag",
    "innovation i offentlig sektor",
    "social hållbarhet", "goda livsmedel", "rörelseglädje", "mänskliga rättigheter",
    "en fri press", "pollinerande insekter", "modern arbetsrätt", "hållbart skogsbruk",
    "vatten för alla", "en levande stadskärna", "minskad ensamhet",
  ]

  /// Invented regional associations: a place in the genitive and a kind of association.
  static let regionalPlaces = [
    "Gotlands", "Skånes", "Norrbottens", "Värmlands", "Dalarnas", "Hallands", "Jämtlands",
    "Upplands", "Smålands", "Västerbottens", "Östergötlands", "Blekinge", "Sörmlands",
    "Västmanlands", "Fårös", "Hälsinglands",
  ]
  static let regionalKinds = [
    "hembygdsförbund", "företagarförening", "idrottsförbund", "naturskyddskrets",
    "bildningsförbund", "föreningsråd", "handelskammare", "skärgårdsförening",
    "lantbrukarförening", "turistförening",
  ]

  /// Invented think tanks: `Tankesmedjan …`.
  static let thinkTankNames = [
    "Agora", "Balans", "Framsteg", "Horisont", "Kompass", "Ledstången", "Motvind", "Nästa steg",
    "Omtanke", "Perspektiv", "Riktning", "Samtid", "Spegeln", "Tillit", "Utsikt", "Vägval",
    "Överblick", "Brobygget", "Fyrtornet", "Ringmuren",
  ]

  static let mailboxes = ["info", "info", "kontakt", "almedalen", "press", "evenemang"]

  // MARK: Visby

  /// Streets and places inside the ring wall and around Almedalen, with approximate
  /// coordinates (latitude, longitude).
  static let streets: [(name: String, latitude: Double, longitude: Double)] = [
    ("Strandgatan", 57.6395, 18.2905), ("Hamngatan", 57.6378, 18.2880),
    ("Donners plats", 57.6386, 18.2908), ("Mellangatan", 57.6380, 18.2918),
    ("Adelsgatan", 57.6365, 18.2960), ("Hästgatan", 57.6395, 18.2925),
    ("Specksrum", 57.6388, 18.2935), ("S:t Hansgatan", 57.6372, 18.2930),
    ("Stora torget", 57.6393, 18.2950), ("Skeppsbron", 57.6372, 18.2855),
    ("Packhusplan", 57.6402, 18.2912), ("Södra Kyrkogatan", 57.6400, 18.2960),
    ("Norra Kyrkogatan", 57.6410, 18.2950), ("Tranhusgatan", 57.6418, 18.2945),
    ("Norra Murgatan", 57.6440, 18.2990), ("Södra Murgatan", 57.6345, 18.2985),
    ("S:t Drottensgatan", 57.6388, 18.2965), ("Fiskargränd", 57.6420, 18.2930),
    ("Södertorg", 57.6342, 18.2975), ("Skolgatan", 57.6395, 18.2995),
    ("Lilla Strandgatan", 57.6410, 18.2925), ("S:t Hans plats", 57.6371, 18.2928),
    ("Wisby Strand", 57.6352, 18.2868), ("Almedalen", 57.6400, 18.2878),
    ("Klinten", 57.6412, 18.2932), ("Kyrkberget", 57.6416, 18.2962),
    ("Slottsbacken", 57.6360, 18.2900), ("Östra Hansegatan", 57.6365, 18.2990),
  ]

  /// How an invented venue is named: `#` is a street or place, `§` a street with a number.
  static let venuePatterns = [
    "Trädgården vid #", "Gården på §", "Innergården, §", "Terrassen vid #", "Salongen på §",
    "Källarvalvet, §", "Scenen vid #", "Paviljongen vid #", "Rosengården vid #",
    "Magasinet, §", "Ateljén, §", "Kryddgården vid #", "Verandan, §", "Loftet, §",
  ]

  static let tentDescriptions = [
    "Tält i Almedalsparken med scen, ljudanläggning och storbildsskärm.",
    "Öppet tält på gräsmattan i Almedalen, nära scenen.",
    "Tält med sidoväggar som kan fällas upp; stolar och ståplats.",
  ]
  static let hallDescriptions = [
    "Konferenssal i Wisby Strand med fast ljud och teknik.",
    "Sal med utsikt över hamnen och plats för större seminarier.",
  ]
  static let venueDescriptions = [
    "Innergård med sittplatser i skuggan.", "Medeltida källarvalv; svalt även mitt på dagen.",
    "Trädgård med utsikt mot hamnen.", "Ljus lokal med plats för stående publik.",
    "Uteservering som görs om till scen under veckan.", "Terrass med tak; öppen även vid regn.",
    "Liten sal på andra våningen; hiss finns.", "Stenhus från 1200-talet med valvtak.",
  ]

  // MARK: Topics and titles

  /// A topic of the programme, with definite noun phrases for titles (`Hur klarar vi …?`),
  /// nouns for `Framtidens …`, and an English phrase for English-language events.
  struct Topic {
    let name: String
    let phrases: [String]
    let futures: [String]
    let english: String
  }

  static let topics: [Topic] = [
    Topic(
      name: "Arbetsmarknad",
      phrases: [
        "kompetensförsörjningen", "långtidsarbetslösheten", "omställningen på arbetsmarknaden",
        "matchningen på arbetsmarknaden", "arbetsmiljön i välfärden",
      ], futures: ["arbetsmarknad", "arbetsliv", "yrkesutbildning"], english: "the labour market"),
    Topic(
      name: "Hälsa",
      phrases: [
        "folkhälsan", "den jämlika hälsan", "ohälsan bland unga", "det förebyggande hälsoarbetet",
      ],
      futures: ["folkhälsa", "hälsodata"], english: "public health"),
    Topic(
      name: "Klimat",
      phrases: [
        "klimatomställningen", "klimatanpassningen", "utsläppen från transporterna",
        "den gröna industrin i norr", "klimatmålen till 2045",
      ], futures: ["klimatpolitik", "fossilfria industri"], english: "the climate transition"),
    Topic(
      name: "Försvar",
      phrases: [
        "totalförsvaret", "den civila beredskapen", "försvarsförmågan på Gotland",
        "Natomedlemskapet", "försörjningsberedskapen",
      ], futures: ["försvar", "totalförsvar"], english: "total defence"),
    Topic(
      name: "Skola",
      phrases: [
        "kunskapsresultaten", "lärarbristen", "likvärdigheten i skolan", "läsförståelsen",
        "skolans digitalisering",
      ], futures: ["skola", "lärarutbildning"], english: "schools"),
    Topic(
      name: "Demokrati",
      phrases: [
        "förtroendet för politiken", "valdeltagandet", "det demokratiska samtalet",
        "desinformationen", "lokaldemokratin",
      ], futures: ["demokrati", "valrörelse"], english: "democracy"),
    Topic(
      name: "Digitalisering",
      phrases: [
        "den digitala omställningen", "AI i offentlig sektor", "cybersäkerheten",
        "den digitala klyftan", "datadelningen",
      ], futures: ["digitala välfärd", "e-förvaltning"], english: "digitalisation"),
    Topic(
      name: "Landsbygd",
      phrases: [
        "landsbygdens utveckling", "servicen på landsbygden", "bredbandsutbyggnaden",
        "jordbrukets lönsamhet", "hela landets utveckling",
      ], futures: ["landsbygd", "glesbygd"], english: "rural Sweden"),
    Topic(
      name: "Jämställdhet",
      phrases: [
        "jämställdheten i arbetslivet", "mäns våld mot kvinnor", "löneskillnaderna",
        "föräldraförsäkringen",
      ], futures: ["jämställdhetspolitik"], english: "gender equality"),
    Topic(
      name: "Integration",
      phrases: [
        "integrationen", "etableringen av nyanlända", "segregationen", "språkinlärningen",
        "inkluderingen på arbetsmarknaden",
      ], futures: ["integrationspolitik"], english: "integration"),
    Topic(
      name: "Vård",
      phrases: [
        "vårdköerna", "kompetensbristen i vården", "primärvården", "den nära vården",
        "patientsäkerheten",
      ], futures: ["vård", "primärvård", "sjukvård"], english: "health care"),
    Topic(
      name: "Ekonomi",
      phrases: [
        "inflationen", "hushållens ekonomi", "tillväxten", "de offentliga finanserna",
        "räntorna",
      ], futures: ["ekonomi", "skattesystem"], english: "the economy"),
    Topic(
      name: "Energi",
      phrases: [
        "elförsörjningen", "elpriserna", "kärnkraften", "den förnybara energin", "elnätet",
      ],
      futures: ["energisystem", "elnät"], english: "energy"),
    Topic(
      name: "Kultur",
      phrases: [
        "kulturens villkor", "bibliotekens roll", "konstnärernas ekonomi", "kulturarvet",
        "läsandet",
      ], futures: ["kulturpolitik", "bibliotek"], english: "culture"),
    Topic(
      name: "Bostäder",
      phrases: [
        "bostadsbristen", "bostadsbyggandet", "hyressättningen",
        "ungas väg in på bostadsmarknaden", "renoveringen av miljonprogrammet",
      ], futures: ["bostadsmarknad", "städer"], english: "housing"),
    Topic(
      name: "Rättsväsende",
      phrases: [
        "gängkriminaliteten", "rättssäkerheten", "polisens resurser",
        "kriminalvårdens kapacitet", "brottsofferstödet",
      ], futures: ["rättsväsende", "polis"], english: "the justice system"),
    Topic(
      name: "Säkerhetspolitik",
      phrases: [
        "säkerhetsläget i Östersjön", "Sveriges roll i Nato", "stödet till Ukraina",
        "hybridhoten", "den europeiska säkerheten",
      ], futures: ["säkerhetspolitik"], english: "security in the Baltic Sea region"),
    Topic(
      name: "Miljö",
      phrases: [
        "den biologiska mångfalden", "Östersjöns miljö", "vattenförsörjningen",
        "plasten i haven", "skogens roll",
      ], futures: ["miljöpolitik", "vattenförsörjning"], english: "the environment"),
    Topic(
      name: "Infrastruktur",
      phrases: [
        "järnvägen", "vägunderhållet", "Gotlandstrafiken", "infrastrukturen i norr",
        "laddinfrastrukturen",
      ], futures: ["infrastruktur", "järnväg"], english: "infrastructure"),
    Topic(
      name: "Näringsliv",
      phrases: [
        "företagens konkurrenskraft", "småföretagens villkor", "exporten", "innovationsklimatet",
        "regelkrånglet",
      ], futures: ["näringsliv", "industri"], english: "business"),
    Topic(
      name: "Forskning",
      phrases: [
        "forskningens frihet", "innovationen", "life science-sektorn", "den högre utbildningen",
        "forskningsfinansieringen",
      ], futures: ["forskning", "universitet"], english: "research"),
    Topic(
      name: "Civilsamhälle",
      phrases: [
        "civilsamhällets roll", "det ideella engagemanget", "föreningslivet", "idrottsrörelsen",
      ], futures: ["civilsamhälle", "folkrörelser"], english: "civil society"),
    Topic(
      name: "Psykisk hälsa",
      phrases: [
        "den psykiska ohälsan", "det suicidpreventiva arbetet", "barns psykiska hälsa",
        "ensamheten",
      ], futures: ["psykiatri"], english: "mental health"),
    Topic(
      name: "Äldreomsorg",
      phrases: ["äldreomsorgen", "hemtjänsten", "den åldrande befolkningen", "äldres ensamhet"],
      futures: ["äldreomsorg"], english: "elderly care"),
    Topic(
      name: "Barn och unga",
      phrases: ["barns rättigheter", "ungas framtidstro", "fritidsgårdarna", "barnfattigdomen"],
      futures: ["fritidsgårdar", "ungdomspolitik"], english: "children and young people"),
    Topic(
      name: "EU",
      phrases: [
        "EU:s inre marknad", "EU:s gröna giv", "EU:s utvidgning", "EU:s konkurrenskraft",
      ], futures: ["Europa", "EU"], english: "the European Union"),
    Topic(
      name: "Trygghet",
      phrases: [
        "tryggheten i vardagen", "otryggheten i utsatta områden",
        "det brottsförebyggande arbetet",
      ], futures: ["trygghetsarbete"], english: "safety"),
    Topic(
      name: "Mat och jordbruk",
      phrases: [
        "livsmedelsberedskapen", "det svenska jordbruket", "matpriserna",
        "självförsörjningsgraden",
      ], futures: ["jordbruk", "livsmedelsproduktion"], english: "food and farming"),
    Topic(
      name: "Transporter",
      phrases: [
        "godstransporterna", "elektrifieringen av transporterna", "kollektivtrafiken",
        "flyget",
      ], futures: ["transporter", "kollektivtrafik"], english: "transport"),
    Topic(
      name: "AI",
      phrases: ["AI-utvecklingen", "AI i vården", "AI och demokratin", "regleringen av AI"],
      futures: ["AI-politik"], english: "artificial intelligence"),
  ]

  /// Title templates: `#` is a definite noun phrase (`kompetensförsörjningen`), `&` a second
  /// one, `%` a noun for `Framtidens …`, `@` the organiser, `$` its genitive. A template that starts with `#`
  /// or `&` gets the phrase capitalised. The same marks are used in the sentences below.
  static let titleTemplates = [
    "Hur klarar vi #?", "# – vad krävs nu?", "Framtidens %", "Efter valet: #",
    "Efter valet: vad händer med #?", "Vem tar ansvar för #?", "# – hot eller möjlighet?",
    "Från ord till handling: #", "Myter och fakta om #", "Vad betyder # för Gotland?",
    "Tre perspektiv på #", "# och & – går det ihop?", "Vad vill partierna med #?",
    "# – Sveriges viktigaste fråga?", "Samtal om #", "Forskarna om #", "Unga röster om #",
    "Kommunerna och #", "Så når vi målen för #", "Nya vägar framåt för #",
    "# i hela landet", "Framtidens % – vem bestämmer?", "@ om #",
  ]

  static let breakfastTemplates = ["Frukostseminarium: #", "Frukost med @: #", "Morgonsamtal om #"]
  static let lunchTemplates = ["Lunchsamtal: #", "Lunch med @: #", "Lunchdebatt om #"]
  static let debateTemplates = [
    "Partidebatt: #", "Debatt: #", "Riksdagspartierna debatterar #", "Duell om #",
  ]
  static let mingleTemplates = [
    "Mingel med @", "@ bjuder på kvällsmingel", "Kvällsmingel: #", "Afterwork om #",
    "Sommarmingel hos @",
  ]
  static let otherTemplates = [
    "Utställning: #", "Workshop om #", "Öppet hus hos @", "Quiz om #", "Guidad visning: #",
  ]
  static let englishTemplates = [
    "How do we handle #?", "# – what now?", "The future of #", "# in a changing Europe",
    "Nordic perspectives on #",
  ]

  static let panelTitles = [
    "Politikerpanelen", "Forskarpanelen", "Praktikerna har ordet", "Ungdomspanelen",
    "Partiernas svar", "Replikskifte", "Fördjupning", "Kommunernas perspektiv",
    "Näringslivets perspektiv", "Frågestund",
  ]

  // MARK: Description sentences

  /// Opening sentences: `@` the organiser, `#` the main phrase.
  static let openings = [
    "@ bjuder in till ett samtal om #.", "Välkommen till $ seminarium om #.",
    "Hur ser vi på #? @ samlar röster från politik, forskning och praktik.",
    "@ presenterar en ny rapport om # och bjuder in till samtal.",
    "Under det här seminariet diskuterar @ #.",
  ]

  static let middles = [
    "Hur påverkas Gotland och resten av landet, och vilka beslut behöver fattas under den kommande mandatperioden?",
    "Vi samlar politiker, forskare och praktiker för att diskutera vad som fungerar och vad som behöver förändras.",
    "Samtalet tar avstamp i aktuell forskning och i erfarenheter från kommuner och regioner.",
    "Vilka avvägningar måste göras, och vem bär kostnaden?",
    "Frågan berör många, men kunskapen om vad som faktiskt fungerar är ofta låg.",
    "Vi lyfter goda exempel och tittar på vad som krävs för att de ska spridas.",
    "Det är en av de frågor som väljarna rankar högst inför valet.",
  ]

  static let closings = [
    "Efter samtalet finns tid för frågor från publiken.", "Panelen svarar på publikens frågor.",
    "Välkommen!", "Ingen förkunskap krävs.", "Samtalet avslutas med en kort frågestund.",
  ]

  static let secondParagraphs = [
    "Bakgrund: & har fått allt större betydelse i debatten, och många menar att # inte kan lösas utan att den frågan också hanteras.",
    "Seminariet är en del av $ arbete med # under året. Materialet från samtalet publiceras efteråt.",
    "Vi vill ge publiken en chans att möta beslutsfattare och ställa sina egna frågor om #.",
    "Diskussionen utgår från tre frågor: Var står vi i dag? Vad fungerar? Vad behöver göras nu?",
  ]
}
