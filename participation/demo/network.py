"""The demo network's member organisations, delegates and agenda (all invented)."""

ORGANISATIONS = [
    ("Verein der Vielfalt Dortmund", "VdV", "Dortmund"),
    ("Brückenhaus Bielefeld", "BHB", "Bielefeld"),
    ("Frauen*netz Anatolien Köln", "FNA", "Köln"),
    ("Afrikanisches Kulturforum Essen", "AKF", "Essen"),
    ("Elternverein Mosaik Duisburg", "Mosaik", "Duisburg"),
    ("Ukrainische Gemeinde Münster", "UGM", "Münster"),
    ("Jugendinitiative Neue Wege Bochum", "NeWe", "Bochum"),
    ("Syrisch-Deutscher Dialog Aachen", "SDD", "Aachen"),
]

DELEGATES = [
    ("Aylin Demir", 0),
    ("Jonas Okafor", 0),
    ("Mariam Haddad", 1),
    ("Tomasz Nowak", 1),
    ("Elif Kaya", 2),
    ("Sevgi Arslan", 2),
    ("Kwame Mensah", 3),
    ("Fatou Diallo", 3),
    ("Nadia Rahimi", 4),
    ("Oksana Kovalenko", 5),
    ("Dmytro Shevchuk", 5),
    ("Leon Yilmaz", 6),
    ("Rami Al-Khatib", 7),
]

AGENDA = [
    ("TOP 1", "Eröffnung und Begrüßung", None),
    ("TOP 2", "Wahl der Versammlungsleitung und Beschlussfähigkeit", None),
    ("TOP 3", "Bericht des Sprecher*innenrates", None),
    ("TOP 4", "Anträge", None),
    ("TOP 4.1", "Resolution: Teilhabe vor Ort stärken", "TOP 4"),
    ("TOP 4.2", "Forderungskatalog zur Landtagswahl", "TOP 4"),
    ("TOP 5", "Wahl des Sprecher*innenrates", None),
    ("TOP 6", "Verschiedenes und Abschluss", None),
]
