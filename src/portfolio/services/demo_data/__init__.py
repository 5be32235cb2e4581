"""Word lists for the synthetic demo portfolio (invented names; any resemblance is chance)."""

# The chef-lieu of each department: where the demo's organisations are based.
CITIES = {
    "01": "Bourg-en-Bresse", "02": "Laon", "03": "Moulins", "04": "Digne-les-Bains", "05": "Gap", "06": "Nice",
    "07": "Privas", "08": "Charleville-Mézières", "09": "Foix", "10": "Troyes", "11": "Carcassonne",
    "12": "Rodez", "13": "Marseille", "14": "Caen", "15": "Aurillac", "16": "Angoulême", "17": "La Rochelle",
    "18": "Bourges", "19": "Tulle", "2A": "Ajaccio", "2B": "Bastia", "21": "Dijon", "22": "Saint-Brieuc",
    "23": "Guéret", "24": "Périgueux", "25": "Besançon", "26": "Valence", "27": "Évreux", "28": "Chartres",
    "29": "Brest", "30": "Nîmes", "31": "Toulouse", "32": "Auch", "33": "Bordeaux", "34": "Montpellier",
    "35": "Rennes", "36": "Châteauroux", "37": "Tours", "38": "Grenoble", "39": "Lons-le-Saunier",
    "40": "Mont-de-Marsan", "41": "Blois", "42": "Saint-Étienne", "43": "Le Puy-en-Velay", "44": "Nantes",
    "45": "Orléans", "46": "Cahors", "47": "Agen", "48": "Mende", "49": "Angers", "50": "Saint-Lô",
    "51": "Reims", "52": "Chaumont", "53": "Laval", "54": "Nancy", "55": "Bar-le-Duc", "56": "Vannes",
    "57": "Metz", "58": "Nevers", "59": "Lille", "60": "Beauvais", "61": "Alençon", "62": "Arras",
    "63": "Clermont-Ferrand", "64": "Pau", "65": "Tarbes", "66": "Perpignan", "67": "Strasbourg",
    "68": "Mulhouse", "69": "Lyon", "70": "Vesoul", "71": "Mâcon", "72": "Le Mans", "73": "Chambéry",
    "74": "Annecy", "75": "Paris", "76": "Rouen", "77": "Melun", "78": "Versailles", "79": "Niort",
    "80": "Amiens", "81": "Albi", "82": "Montauban", "83": "Toulon", "84": "Avignon", "85": "La Roche-sur-Yon",
    "86": "Poitiers", "87": "Limoges", "88": "Épinal", "89": "Auxerre", "90": "Belfort", "91": "Évry-Courcouronnes",
    "92": "Nanterre", "93": "Saint-Denis", "94": "Créteil", "95": "Cergy", "971": "Pointe-à-Pitre",
    "972": "Fort-de-France", "973": "Cayenne", "974": "Saint-Denis", "976": "Mamoudzou",
}

# The article French puts before each department's name (INSEE's "type de nom en clair"): "de l'Ain", "du Nord",
# "de la Gironde", "des Landes". A department without one here takes none ("de Paris", "d'Eure-et-Loir",
# "de Maine-et-Loire"); "La Réunion" carries its article in its name ("de La Réunion").
DEPARTMENT_ARTICLES = {
    **dict.fromkeys(("01", "02", "03", "07", "09", "10", "11", "12", "27", "34", "36", "38", "60", "61", "89",
                     "91"), "l'"),
    **dict.fromkeys(("14", "15", "18", "25", "29", "30", "32", "39", "41", "45", "46", "47", "56", "59", "62",
                     "63", "67", "68", "69", "81", "82", "83", "84", "90", "94", "95"), "le"),
    **dict.fromkeys(("16", "17", "19", "2A", "2B", "21", "23", "24", "26", "31", "33", "42", "43", "44", "48",
                     "50", "51", "52", "53", "55", "57", "58", "70", "72", "73", "74", "76", "80", "85", "86",
                     "87", "93", "971", "972", "973"), "la"),
    **dict.fromkeys(("04", "05", "06", "08", "13", "22", "40", "64", "65", "66", "78", "79", "88", "92"), "les"),
}

# Share of organisations per region (INSEE code), roughly following where e-health innovators are.
REGION_WEIGHTS = {
    "11": 30, "84": 12, "76": 9, "93": 8, "75": 7, "32": 6, "44": 6, "52": 5, "53": 5, "28": 3, "27": 3,
    "24": 2.5, "94": 0.6, "01": 0.6, "02": 0.6, "03": 0.5, "04": 0.8, "06": 0.4,
}

# Typology code -> share of organisations.
TYPOLOGY_WEIGHTS = {
    "PME": 40, "ETI": 6, "GE": 4, "ES": 15, "ESR": 12, "EPUB": 5, "ASSO": 8, "FOND": 2, "COLL": 3, "GIP": 3,
    "AUTRE": 2,
}

NAME_HEADS = [
    "Medi", "Cardio", "Neuro", "Thera", "Vita", "Onco", "Pneumo", "Derma", "Ortho", "Psy", "Gero", "Pedia",
    "Nutri", "Immuno", "Hemo", "Ophtal", "Dento", "Kine", "Endo", "Gyne", "Uro", "Radio", "Geno", "Bio",
    "Santé", "Soin", "Care", "Heal", "Sano", "Clini", "Pharma", "Physio", "Somno", "Audio", "Diab", "Allergo",
]
NAME_TAILS = [
    "Tech", "Lab", "Sens", "Link", "Vision", "Data", "Soft", "IA", "Connect", "Flow", "Track", "Scan", "Logic",
    "Smart", "Cloud", "Way", "Pulse", "Mind", "Bot", "Net", "Metrics", "Sphere", "Path", "Watch", "Assist",
]
COMPANY_FORMS = ["SAS", "SAS", "SAS", "SARL", "SA", "SASU"]
BIG_WORDS = ["Santé", "Medical", "Healthcare", "Systèmes", "Solutions", "Services", "Digital Health"]
SAINTS = ["Saint-Joseph", "Sainte-Anne", "Saint-Louis", "Saint-Martin", "Sainte-Marie", "Saint-Vincent",
          "Les Peupliers", "Les Tilleuls", "du Parc", "Pasteur", "Jean-Jaurès", "Bel-Air", "Les Cèdres"]
RESEARCH_TOPICS = ["Informatique biomédicale", "Imagerie médicale", "Santé publique", "Neurosciences",
                   "Épidémiologie", "Génomique", "Robotique médicale", "Intelligence artificielle",
                   "Biostatistique", "Sciences du vieillissement", "Santé mentale", "Cardiologie numérique"]
CAUSES = ["Diabète", "Alzheimer", "Autisme", "Cancer", "Handicap", "Aidants", "Maladies rares", "Santé mentale",
          "Insuffisance cardiaque", "Parkinson", "Sclérose en plaques", "Prévention"]
PROJECT_WORDS = [
    "Télésurveillance", "Plateforme", "Parcours", "Coordination", "Dépistage", "Suivi", "Rééducation",
    "Prévention", "Assistant", "Jumeau numérique", "Entrepôt", "Algorithme", "Application", "Dispositif",
    "Téléexpertise", "Formation", "Tiers-lieu", "Évaluation", "Simulation", "Capteur",
]
PROJECT_TOPICS = [
    "de l'insuffisance cardiaque", "des patients diabétiques", "en santé mentale", "du bien vieillir à domicile",
    "des cancers pédiatriques", "de la dépression", "des maladies rares", "en soins primaires",
    "des personnes âgées fragiles", "de l'AVC", "en EHPAD", "de l'asthme sévère", "des troubles du sommeil",
    "de la douleur chronique", "des addictions", "en périnatalité", "de la BPCO", "en cancérologie",
    "des soignants", "en imagerie", "aux urgences", "de l'obésité",
]
FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Claire", "Anne", "Sophie", "Marie",
    "Hélène", "Nathalie", "Isabelle", "Aurélie", "Lucie", "Mathilde", "Élodie", "Fatima", "Thomas", "Nicolas",
    "Julien", "Maxime", "Antoine", "Hugo", "Lucas", "Pierre", "Jean", "Philippe", "Olivier", "François",
    "Mehdi", "Karim", "Yann", "Guillaume", "Sébastien", "Romain", "Étienne", "Benoît",
]
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
    "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Le Gall",
    "Kerbrat", "Nguyen", "Benali", "Hoarau", "Rakotomalala", "Lopez", "Faure", "Rousseau", "Blanc",
]
ROLES = ["Directeur général", "Directrice générale", "Chef de projet", "Responsable innovation",
         "Directrice de la recherche", "Directeur des systèmes d'information", "Médecin coordonnateur",
         "Responsable administratif et financier", "Chargée de mission e-santé", "Président"]
MILESTONES = ["Lancement du projet", "Livrable 1 : cahier des charges", "Prototype", "Inclusion des premiers patients",
              "Rapport intermédiaire", "Marquage CE", "Évaluation clinique", "Déploiement pilote",
              "Rapport final", "Comité de suivi"]

# partners outside France (a few consortia have one), with an identifier of their country's register as
# org-id.guide names it; the numbers are invented, in each register's shape
FOREIGN_PARTNERS = [
    ("GB-COH", "{:08d}", "Northbridge Digital Health Ltd", "London"),
    ("GB-CHC", "{:07d}", "Wellcome Patient Voices Trust", "Manchester"),
    ("BE-BCE_KBO", "0{:09d}", "MedConnect Belgium", "Bruxelles"),
    ("NL-KVK", "{:08d}", "Zorgdata Amsterdam BV", "Amsterdam"),
    ("CH-FDJP", "CHE{:09d}", "Helvetic eHealth SA", "Genève"),
]
