"""Generate Proxi's sample data into data/sample/ (and data/sample/bad/).

Run from the repository root:  .venv/bin/python data/sample/generate.py

Deterministic: a fixed random seed, fixed zip timestamps in the .xlsx files, so running it twice
gives byte-identical files. Standard library + openpyxl only. All organisations, people, addresses,
e-mails, phone numbers and SIRET numbers are fictitious; the towns and postcodes are real.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from openpyxl import Workbook, load_workbook

OUT = Path(__file__).resolve().parent
BAD = OUT / "bad"
SEED = 20270104
FIRST_DAY = dt.date(2027, 1, 4)  # the anchor: a Monday
LAST_DAY = dt.date(2027, 7, 2)  # a Friday
# French public holidays in the window (Easter Monday, Ascension, Whit Monday, 1 and 8 May).
HOLIDAYS = {
    dt.date(2027, 3, 29),
    dt.date(2027, 5, 1),
    dt.date(2027, 5, 6),
    dt.date(2027, 5, 8),
    dt.date(2027, 5, 17),
}
DATE_FMT = "%Y-%m-%d %H:%M"

SPACE_COLUMNS = [
    "space_id", "name", "address", "postcode", "city",
    "latitude", "longitude", "accessible", "contact",
]  # fmt: skip
SESSION_COLUMNS = [
    "session_id", "title", "organisation", "space_id", "start", "end", "seats", "topics",
    "modality", "format", "price_eur", "cpf", "description", "url", "status",
]  # fmt: skip
TUTOR_COLUMNS = ["tutor_id", "name", "organisation", "topics", "telegram_user_id"]

# --------------------------------------------------------------------------------------------
# Spaces: real towns of the Petites Villes de Demain programme, invented places and contacts.
# (space_id, name, address, postcode, city, latitude, longitude, accessible, contact)
# --------------------------------------------------------------------------------------------
SPACES = [
    # Morbihan and Ille-et-Vilaine: the Ploërmel / Redon cluster
    ("esp-ploermel", "Relais d'Entreprises de Ploërmel", "12 rue de la Gare", "56800",
     "Ploërmel", "47.93262", "-2.39455", "oui", "relais.ploermel@example.org"),
    ("esp-ploermel-numerique", "Pôle numérique du Pays de Ploërmel", "3 rue du Val", "56800",
     "Ploërmel", "", "", "oui", "02 97 00 00 01"),
    ("esp-josselin", "Le Relais du Canal – coworking de Josselin", "4 rue du Canal", "56120",
     "Josselin", "47.95291", "-2.54388", "non", "coworking.josselin@example.org"),
    ("esp-malestroit", "Espace de travail partagé de Malestroit", "7 place du Marché", "56140",
     "Malestroit", "", "", "non", "02 97 00 00 02"),
    ("esp-guer", "La Station – tiers-lieu de Guer", "2 avenue de la Gare", "56380", "Guer",
     "", "", "oui", "lastation.guer@example.org"),
    ("esp-mauron", "Coworking de Mauron", "1 place de la Mairie", "56430", "Mauron",
     "", "", "oui", "02 97 00 00 03"),
    ("esp-la-gacilly", "Atelier partagé de La Gacilly", "15 rue Saint-Vincent", "56200",
     "La Gacilly", "", "", "oui", "atelier.lagacilly@example.org"),
    ("esp-questembert", "Relais d'Entreprises de Questembert", "9 rue du Calvaire", "56230",
     "Questembert", "", "", "oui", "relais.questembert@example.org"),
    ("esp-redon", "Coworking du Pays de Redon", "18 quai Duguay-Trouin", "35600", "Redon",
     "47.64958", "-2.08213", "oui", "coworking.redon@example.org"),
    ("esp-montfort", "Tiers-lieu de Montfort-sur-Meu", "6 boulevard Carnot", "35160",
     "Montfort-sur-Meu", "", "", "oui", "02 99 00 00 04"),
    ("esp-bain", "Espace proxitravail de Bain-de-Bretagne", "21 rue de Rennes", "35470",
     "Bain-de-Bretagne", "", "", "oui", "proxitravail.bain@example.org"),
    ("esp-guichen", "Coworking de Guichen", "5 avenue du Général de Gaulle", "35580",
     "Guichen", "", "", "oui", "02 99 00 00 05"),
    # Finistère
    ("esp-carhaix", "Relais d'Entreprises de Carhaix", "10 rue de la Gare", "29270",
     "Carhaix-Plouguer", "", "", "oui", "relais.carhaix@example.org"),
    ("esp-chateaulin", "Tiers-lieu de Châteaulin", "3 quai Jean Moulin", "29150",
     "Châteaulin", "", "", "oui", "02 98 00 00 06"),
    ("esp-landivisiau", "Espace partagé de Landivisiau", "14 rue Georges Clemenceau", "29400",
     "Landivisiau", "", "", "oui", "espace.landivisiau@example.org"),
    # Calvados, Manche, Eure
    ("esp-vire", "Coworking du Bocage virois", "2 place du Champ de Foire", "14500",
     "Vire Normandie", "48.83862", "-0.88757", "oui", "coworking.vire@example.org"),
    ("esp-falaise", "Relais d'Entreprises de Falaise", "8 rue Georges Clemenceau", "14700",
     "Falaise", "", "", "oui", "02 31 00 00 07"),
    ("esp-conde", "Tiers-lieu de Condé-en-Normandie", "11 rue du Chêne", "14110",
     "Condé-en-Normandie", "", "", "oui", "tierslieu.conde@example.org"),
    ("esp-coutances", "Espace de travail partagé de Coutances", "5 rue Geoffroy de Montbray",
     "50200", "Coutances", "", "", "oui", "02 33 00 00 08"),
    ("esp-villedieu", "L'Atelier du Cuivre – coworking de Villedieu", "19 rue du Général Huard",
     "50800", "Villedieu-les-Poêles-Rouffigny", "", "", "non", "atelier.villedieu@example.org"),
    ("esp-mortain", "Relais d'Entreprises de Mortain-Bocage", "4 place du Château", "50140",
     "Mortain-Bocage", "", "", "oui", "02 33 00 00 09"),
    ("esp-bernay", "Coworking de Bernay", "27 rue Thiers", "27300", "Bernay",
     "", "", "oui", "coworking.bernay@example.org"),
    ("esp-gisors", "Tiers-lieu du Vexin à Gisors", "6 rue de Vienne", "27140", "Gisors",
     "", "", "oui", "02 32 00 00 10"),
    ("esp-pont-audemer", "Espace partagé de Pont-Audemer", "13 rue de la République", "27500",
     "Pont-Audemer", "", "", "oui", "espace.pontaudemer@example.org"),
    # Puy-de-Dôme, Cantal, Haute-Loire
    ("esp-ambert", "Relais d'Entreprises d'Ambert", "7 boulevard Henri IV", "63600", "Ambert",
     "", "", "oui", "relais.ambert@example.org"),
    ("esp-thiers", "Coworking de la Coutellerie – Thiers", "22 rue de la Coutellerie", "63300",
     "Thiers", "", "", "non", "04 73 00 00 11"),
    ("esp-issoire", "Tiers-lieu d'Issoire", "3 place de la République", "63500", "Issoire",
     "", "", "oui", "tierslieu.issoire@example.org"),
    ("esp-saint-flour", "Relais d'Entreprises de Saint-Flour", "9 cours Spy des Ternes",
     "15100", "Saint-Flour", "45.03428", "3.09281", "oui", "04 71 00 00 12"),
    ("esp-mauriac", "Espace de travail partagé de Mauriac", "2 place Georges Pompidou", "15200",
     "Mauriac", "", "", "non", "espace.mauriac@example.org"),
    ("esp-murat", "Coworking de Murat", "5 rue du Faubourg Notre-Dame", "15300", "Murat",
     "", "", "non", "04 71 00 00 13"),
    ("esp-brioude", "Tiers-lieu de Brioude", "16 avenue Victor Hugo", "43100", "Brioude",
     "", "", "oui", "tierslieu.brioude@example.org"),
    ("esp-yssingeaux", "Relais d'Entreprises d'Yssingeaux", "4 rue du Marché", "43200",
     "Yssingeaux", "", "", "oui", "04 71 00 00 14"),
    ("esp-craponne", "Coworking de Craponne-sur-Arzon", "1 place du For", "43500",
     "Craponne-sur-Arzon", "", "", "oui", "coworking.craponne@example.org"),
    # Haute-Garonne, Ariège
    ("esp-rieux", "Relais d'Entreprises de Rieux-Volvestre", "3 place de la Mairie", "31310",
     "Rieux-Volvestre", "43.25843", "1.20221", "oui", "relais.rieux@example.org"),
    ("esp-saint-gaudens", "Coworking du Comminges – Saint-Gaudens", "12 rue de la République",
     "31800", "Saint-Gaudens", "", "", "oui", "05 61 00 00 15"),
    ("esp-lavelanet", "Tiers-lieu du Pays d'Olmes", "8 rue Jean Jaurès", "09300", "Lavelanet",
     "", "", "oui", "tierslieu.lavelanet@example.org"),
    # Charente, Haute-Vienne
    ("esp-ruffec", "Espace partagé de Ruffec", "6 rue de l'Hôtel de Ville", "16700", "Ruffec",
     "", "", "oui", "05 45 00 00 16"),
    ("esp-bellac", "Coworking de Bellac", "10 rue du Coq", "87300", "Bellac",
     "", "", "oui", "coworking.bellac@example.org"),
]
SPACE_BY_ID = {row[0]: row for row in SPACES}

# Within about 30 km of Ploërmel: favoured when spreading sessions so that a search
# "près de Ploërmel" has a choice of towns.
NEAR_PLOERMEL = {
    "esp-ploermel", "esp-ploermel-numerique", "esp-josselin", "esp-malestroit", "esp-guer",
    "esp-mauron", "esp-la-gacilly", "esp-questembert", "esp-redon",
}  # fmt: skip
CLUSTER = [
    "esp-ploermel", "esp-ploermel-numerique", "esp-josselin", "esp-malestroit", "esp-guer",
    "esp-mauron", "esp-la-gacilly", "esp-questembert", "esp-redon", "esp-montfort", "esp-bain",
    "esp-guichen",
]  # fmt: skip
FINISTERE = ["esp-carhaix", "esp-chateaulin", "esp-landivisiau"]
BRETAGNE = CLUSTER + FINISTERE
NORMANDIE = [
    "esp-vire", "esp-falaise", "esp-conde", "esp-coutances", "esp-villedieu", "esp-mortain",
    "esp-bernay", "esp-gisors", "esp-pont-audemer",
]  # fmt: skip
AUVERGNE = [
    "esp-ambert", "esp-thiers", "esp-issoire", "esp-saint-flour", "esp-mauriac", "esp-murat",
    "esp-brioude", "esp-yssingeaux", "esp-craponne",
]  # fmt: skip
SUD_OUEST = ["esp-rieux", "esp-saint-gaudens", "esp-lavelanet", "esp-ruffec", "esp-bellac"]


# --------------------------------------------------------------------------------------------
# Catalogue: what the organisations teach.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Course:
    title: str
    topics: str
    fmt: str  # formation | atelier | conférence | permanence
    slots: tuple[str, ...]  # keys of SLOTS; multi-day courses use "jour"
    price: tuple[int, int]  # (0, 0) = free
    cpf: bool
    seats: tuple[int, int]
    texts: tuple[str, ...]  # first sentence, one is picked
    extras: tuple[str, ...] = ()  # optional second sentence
    days: int = 1
    modality: dict[str, float] = field(default_factory=lambda: {"presentiel": 1.0})


# name: (start, end, which days)
SLOTS = {
    "matin": ("09:00", "12:00", "weekday"),
    "aprem": ("14:00", "17:00", "weekday"),
    "matin35": ("09:00", "12:30", "weekday"),
    "aprem35": ("13:30", "17:00", "weekday"),
    "jour": ("09:00", "17:00", "weekday"),
    "matin2": ("10:00", "12:00", "weekday"),
    "aprem2": ("14:00", "16:00", "weekday"),
    "soir3": ("18:00", "21:00", "weekday"),
    "soir2": ("18:30", "20:30", "weekday"),
    "samedi": ("09:30", "12:00", "saturday"),
    "samedi_jour": ("09:00", "17:00", "saturday"),
}

LAPTOP = "Apportez un ordinateur portable si possible, des postes sont prêtés sur demande."
BLENDED_NOTE = "Les séances en présentiel alternent avec des modules en ligne à suivre chez soi."
REMOTE_NOTE = "À suivre en visio, de chez vous ou depuis l'espace, qui prête poste et casque."

COURSES: dict[str, Course] = {
    # Office software
    "excel_init": Course(
        "Excel initiation : premiers tableaux et formules",
        "excel;tableur;bureautique;débutant",
        "formation", ("jour",), (290, 390), False, (6, 10),
        ("Découvrir Excel pas à pas : saisie, mise en forme, formules simples et premiers "
         "graphiques.",
         "Une journée pour prendre en main le tableur, construire un tableau de suivi et "
         "calculer des totaux sans erreur."),
        (LAPTOP, "Aucun prérequis, sinon savoir utiliser une souris et un clavier."),
    ),
    "excel_tosa": Course(
        "Excel perfectionnement – préparation à la certification TOSA",
        "excel;tableur;bureautique;tosa;certification;perfectionnement",
        "formation", ("jour",), (590, 790), True, (5, 8),
        ("Fonctions conditionnelles, RECHERCHEX, mise en forme conditionnelle et graphiques "
         "avancés, avec passage du test TOSA en fin de parcours.",
         'Pour celles et ceux qui utilisent déjà Excel et veulent aller plus loin, '
         'certification "TOSA Excel" incluse.'),
        days=2, modality={"presentiel": 0.4, "blended": 0.6},
    ),
    "excel_tcd": Course(
        "Excel : tableaux croisés dynamiques",
        "excel;tcd;tableaux croisés dynamiques;tableur;bureautique;analyse de données",
        "formation", ("matin35", "aprem35"), (190, 260), False, (6, 10),
        ("Résumer des milliers de lignes en quelques clics : créer, filtrer et mettre en forme "
         "un tableau croisé dynamique.",),
        ('Exercices sur des données réelles de ventes, de stocks et de plannings, "comme au '
         'bureau".', LAPTOP),
    ),
    "word": Course(
        "Word : mettre en page des documents professionnels",
        "word;traitement de texte;bureautique;courrier",
        "formation", ("jour",), (250, 320), False, (6, 10),
        ("Styles, tableaux, en-têtes et publipostage : produire des courriers et des devis "
         "propres et homogènes.",),
        ("Une journée pratique pour gagner du temps sur vos documents du quotidien.", LAPTOP),
    ),
    "powerpoint": Course(
        "PowerPoint : réussir ses présentations",
        "powerpoint;présentation;diaporama;bureautique",
        "formation", ("matin35", "aprem35"), (180, 240), False, (6, 10),
        ("Construire un diaporama clair et lisible, choisir ses visuels et préparer son "
         "support d'intervention.",),
    ),
    "atelier_bureautique": Course(
        "Atelier bureautique : bien démarrer avec son ordinateur",
        "bureautique;informatique;ordinateur;débutant;numérique",
        "atelier", ("matin2", "aprem2", "samedi"), (0, 0), False, (6, 8),
        ("Classer ses fichiers, utiliser une clé USB, envoyer une pièce jointe : les bases "
         "pour être à l'aise.",),
    ),
    # Languages
    "anglais_pro": Course(
        "Anglais professionnel – échanges écrits et oraux",
        "anglais;anglais professionnel;langues;oral;linguaskill",
        "formation", ("jour",), (450, 690), True, (6, 10),
        ("Téléphoner, écrire un courriel, présenter son entreprise : des mises en situation "
         "pour gagner en aisance.",),
        ("Un test de positionnement en ligne est proposé avant la première séance.",),
        modality={"presentiel": 0.4, "blended": 0.6},
    ),
    "anglais_deb": Course(
        "Anglais débutant – reprendre les bases",
        "anglais;langues;débutant;remise à niveau",
        "formation", ("soir3",), (150, 220), False, (6, 12),
        ("Reprendre l'anglais en douceur : se présenter, comprendre une consigne, échanger "
         "simplement.",),
    ),
    "espagnol": Course(
        "Espagnol – les bases pour communiquer",
        "espagnol;langues;débutant",
        "formation", ("soir3", "aprem"), (150, 220), False, (6, 12),
        ("Premiers échanges en espagnol pour le travail ou le tourisme, avec beaucoup d'oral "
         "et peu de grammaire.",),
    ),
    "cafe_anglais": Course(
        "Café-conversation en anglais",
        "anglais;langues;conversation;oral",
        "atelier", ("soir2", "samedi"), (0, 0), False, (8, 12),
        ('Un moment convivial pour pratiquer l\'anglais, "no stress", autour d\'un café.',),
        ("Tous niveaux bienvenus, même si vous n'avez pas parlé anglais depuis le lycée.",),
    ),
    # First aid
    "sst": Course(
        "SST – Sauveteur Secouriste du Travail (formation initiale, 14 h)",
        "sst;sauveteur secouriste du travail;secourisme;premiers secours;sécurité au travail",
        "formation", ("jour",), (220, 290), True, (4, 10),
        ("Apprendre à protéger, alerter et secourir sur son lieu de travail, avec un "
         "certificat SST valable 24 mois.",
         "Deux jours de pratique sur mannequin, défibrillateur compris, pour devenir sauveteur "
         "secouriste de son entreprise."),
        days=2,
    ),
    "mac_sst": Course(
        "MAC SST – recyclage Sauveteur Secouriste du Travail (7 h)",
        "sst;mac sst;recyclage;secourisme;premiers secours;sauveteur secouriste du travail",
        "formation", ("jour",), (150, 180), False, (4, 10),
        ("Maintenir et actualiser ses compétences de sauveteur secouriste tous les 24 mois : "
         "révision des gestes et nouveaux cas pratiques.",),
        ("Réservé aux titulaires d'un certificat SST en cours de validité.",),
    ),
    "psc1": Course(
        "PSC1 – Prévention et Secours Civiques de niveau 1",
        "psc1;premiers secours;secourisme;gestes qui sauvent",
        "formation", ("samedi_jour", "jour"), (150, 150), False, (6, 10),
        ("Les gestes de premiers secours pour tous : alerter, masser, défibriller, mettre en "
         "position latérale de sécurité.",),
        ("Ouvert à tous dès 10 ans, aucun prérequis.",),
    ),
    # Forklift licences
    "caces_1a3": Course(
        "CACES® R489 catégories 1A et 3 – chariots élévateurs",
        "caces;caces r489;cariste;chariot élévateur;logistique;catégorie 1a;catégorie 3",
        "formation", ("jour",), (790, 950), True, (4, 6),
        ("Théorie, pratique sur chariots et tests officiels pour conduire en sécurité les "
         "transpalettes à conducteur porté et les chariots frontaux.",),
        ("Certificat médical d'aptitude à la conduite demandé à l'inscription.",),
        days=3,
    ),
    "caces_5": Course(
        "CACES® R489 catégorie 5 – chariots à mât rétractable",
        "caces;caces r489;cariste;chariot à mât rétractable;logistique;catégorie 5",
        "formation", ("jour",), (850, 990), True, (4, 6),
        ("Conduite et stockage en hauteur en entrepôt, avec tests théorique et pratique du "
         "CACES® R489 catégorie 5.",),
        ("Certificat médical d'aptitude à la conduite demandé à l'inscription.",),
        days=3,
    ),
    "caces_rec": Course(
        "CACES® R489 – recyclage catégories 1A, 3 et 5",
        "caces;caces r489;recyclage;cariste;chariot élévateur;logistique",
        "formation", ("jour",), (450, 590), True, (4, 6),
        ("Renouveler son CACES® avant l'échéance de 5 ans : remise à niveau réglementaire et "
         "nouveaux tests.",),
        days=2,
    ),
    # Bookkeeping
    "compta_tpe": Course(
        "Comptabilité TPE : les bases pour les indépendants",
        "comptabilité;compta;tpe;gestion;indépendant;artisan",
        "formation", ("jour",), (290, 350), False, (5, 10),
        ("Comprendre un bilan, suivre sa trésorerie et préparer les échanges avec son "
         "expert-comptable.",),
        ("Pensez à apporter un relevé bancaire et quelques factures, anonymisés si besoin.",),
    ),
    "compta_logiciel": Course(
        "Tenir sa compta avec un logiciel",
        "comptabilité;compta;logiciel de comptabilité;gestion;tpe;micro-entreprise",
        "formation", ("jour",), (320, 390), False, (5, 8),
        ('Saisie des ventes et des achats, rapprochement bancaire et déclarations, sur un '
         'logiciel "en ligne" courant.',),
        (LAPTOP,),
        modality={"presentiel": 0.6, "blended": 0.4},
    ),
    # Digital marketing and websites
    "fb_insta": Course(
        "Facebook et Instagram pour son commerce",
        "réseaux sociaux;facebook;instagram;marketing digital;commerce;communication",
        "atelier", ("matin", "aprem", "soir3"), (0, 0), False, (8, 12),
        ("Créer une page, publier au bon moment et répondre aux avis : les essentiels pour "
         "les commerçants et les artisans.",),
        ("Venez avec votre téléphone, chargé, et vos identifiants.",),
        modality={"presentiel": 0.9, "distanciel": 0.1},
    ),
    "reseaux_strat": Course(
        "Réseaux sociaux : bâtir sa stratégie de communication",
        "réseaux sociaux;marketing digital;communication;stratégie;linkedin",
        "formation", ("jour",), (290, 350), False, (6, 10),
        ("Choisir ses réseaux, définir sa ligne éditoriale et construire un calendrier de "
         "publication réaliste.",),
        modality={"presentiel": 0.5, "blended": 0.5},
    ),
    "seo": Course(
        "Référencement naturel (SEO) : être trouvé sur Google",
        "seo;référencement;google;site web;marketing digital",
        "formation", ("jour",), (320, 420), False, (6, 12),
        ("Choisir ses mots-clés, optimiser ses pages et sa fiche d'établissement pour remonter "
         "dans les résultats de recherche.",),
        modality={"presentiel": 0.7, "distanciel": 0.3},
    ),
    "wordpress": Course(
        "Créer son site WordPress",
        "wordpress;site web;site internet;création de site;numérique",
        "formation", ("jour",), (590, 750), False, (5, 8),
        ("Installer WordPress, choisir un thème, créer ses pages et publier son site en deux "
         "jours.",),
        (LAPTOP,),
        days=2, modality={"presentiel": 0.5, "blended": 0.5},
    ),
    "site_vitrine": Course(
        "Site vitrine : les bonnes questions avant de se lancer",
        "site vitrine;site web;site internet;wordpress;numérique",
        "atelier", ("matin2", "aprem2", "samedi"), (0, 0), False, (6, 12),
        ("Nom de domaine, hébergement, budget, outils : un atelier pour choisir la bonne "
         "solution avant de créer son site.",),
    ),
    # Starting a business
    "creer_entreprise": Course(
        "Créer son entreprise : de l'idée au projet",
        "création d'entreprise;créer son entreprise;entrepreneuriat;business plan;"
        "statut juridique",
        "formation", ("jour",), (250, 300), False, (6, 12),
        ("Étude de marché, prévisionnel, choix du statut : structurer son projet de création "
         "avec un conseiller.",),
        ('Idéal si vous en êtes au stade "j\'ai une idée, mais par où commencer ?".',),
        modality={"presentiel": 0.7, "blended": 0.3},
    ),
    "micro": Course(
        "Micro-entreprise : statut, déclarations et obligations",
        "micro-entreprise;auto-entrepreneur;création d'entreprise;urssaf;statut",
        "atelier", ("matin", "aprem", "soir3"), (0, 0), False, (8, 14),
        ("Tout savoir sur le régime micro-entrepreneur : immatriculation, déclarations à "
         "l'URSSAF, seuils de chiffre d'affaires et TVA.",),
        modality={"presentiel": 0.85, "distanciel": 0.15},
    ),
    # Food hygiene
    "haccp": Course(
        "HACCP – hygiène alimentaire en restauration commerciale (14 h)",
        "haccp;hygiène alimentaire;restauration;métiers de bouche;food truck;"
        "sécurité alimentaire",
        "formation", ("jour",), (350, 450), True, (6, 12),
        ("La formation obligatoire pour ouvrir un restaurant, un food truck ou une activité de "
         "traiteur : réglementation, risques et plan de maîtrise sanitaire.",),
        days=2,
        modality={"presentiel": 0.8, "blended": 0.2},
    ),
    # Soft skills
    "prise_parole": Course(
        "Prise de parole en public",
        "prise de parole;communication;oral;aisance;soft skills",
        "formation", ("jour",), (350, 420), False, (6, 10),
        ('Gérer son trac, structurer son message et capter l\'attention, avec des exercices '
         'filmés "en conditions réelles".',),
    ),
    "manager_distance": Course(
        "Manager une équipe à distance",
        "management;manager;télétravail;équipe à distance;soft skills",
        "formation", ("jour",), (450, 550), False, (6, 10),
        ("Rituels d'équipe, outils collaboratifs et confiance : les clés pour animer une "
         "équipe en télétravail ou répartie sur plusieurs sites.",),
        modality={"presentiel": 0.5, "blended": 0.2, "distanciel": 0.3},
    ),
    "gestion_temps": Course(
        "Gestion du temps et des priorités",
        "gestion du temps;organisation;priorités;efficacité;soft skills",
        "formation", ("matin35", "aprem35"), (250, 320), False, (6, 10),
        ("Repérer ce qui vous fait perdre du temps, planifier sa semaine et savoir dire non, "
         "sans culpabiliser.",),
    ),
    "gestion_stress": Course(
        "Gestion du stress au travail",
        "gestion du stress;stress;bien-être au travail;soft skills",
        "formation", ("jour",), (290, 350), False, (6, 10),
        ("Comprendre ses réactions au stress et repartir avec des techniques simples de "
         "respiration et d'organisation.",),
    ),
    # Retraining support
    "vae_info": Course(
        "VAE – réunion d'information sur la Validation des Acquis de l'Expérience",
        "vae;validation des acquis de l'expérience;reconversion;diplôme;certification",
        "conférence", ("aprem2", "soir2"), (0, 0), False, (10, 16),
        ("Qui peut faire une VAE, pour quel diplôme, avec quel financement : une réunion pour "
         "tout comprendre avant de se lancer.",),
        modality={"presentiel": 0.8, "distanciel": 0.2},
    ),
    "vae_accomp": Course(
        "Accompagnement VAE – atelier collectif de rédaction du dossier",
        "vae;validation des acquis de l'expérience;accompagnement vae;reconversion;"
        "certification",
        "formation", ("jour",), (1090, 1290), True, (4, 8),
        ("Première journée collective d'un accompagnement de 24 h pour décrire ses expériences "
         "et rédiger son dossier, suivie de rendez-vous individuels.",),
        modality={"presentiel": 0.3, "blended": 0.7},
    ),
    "bilan": Course(
        "Bilan de compétences – séance collective de lancement",
        "bilan de compétences;bilan;reconversion;orientation;projet professionnel",
        "formation", ("matin", "aprem"), (1390, 1490), True, (4, 8),
        ("Lancement d'un bilan de 24 h : tests, entretiens individuels et enquêtes métiers "
         "pour construire un projet réaliste.",),
        ("Le prix couvre l'ensemble du bilan, finançable par le CPF.",),
        modality={"presentiel": 0.3, "blended": 0.7},
    ),
    "reconversion_conf": Course(
        "Se reconvertir : par où commencer ?",
        "reconversion;se reconvertir;orientation;cpf;vae;bilan de compétences",
        "conférence", ("soir2",), (0, 0), False, (12, 16),
        ("Témoignages et conseils pratiques : CPF, bilan de compétences, VAE, formations "
         "courtes, comment choisir ?",),
    ),
    "permanence": Course(
        "Permanence reconversion : rendez-vous individuel avec un conseiller",
        "reconversion;orientation;conseil;cpf;bilan de compétences;vae",
        "permanence", ("matin2", "aprem2"), (0, 0), False, (1, 2),
        ("Un échange confidentiel pour faire le point sur votre projet et vos droits à la "
         "formation, sur rendez-vous.",),
    ),
}


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    slug: str
    spaces: tuple[str, ...]
    offers: tuple[tuple[str, int], ...]  # (course key, number of sessions)


ORGANISATIONS = [
    Organisation("BEV", "Bureautique & Vous", "bureautique-et-vous", tuple(BRETAGNE), (
        ("excel_init", 8), ("excel_tosa", 4), ("excel_tcd", 5), ("word", 4),
        ("powerpoint", 3), ("atelier_bureautique", 3),
    )),
    Organisation("FOC", "Form'Ouest Conseil", "formouest-conseil", (
        "esp-ploermel", "esp-josselin", "esp-malestroit", "esp-guer", "esp-redon",
    ), (
        ("creer_entreprise", 4), ("micro", 4), ("compta_tpe", 4), ("compta_logiciel", 3),
        ("prise_parole", 3), ("manager_distance", 2), ("gestion_temps", 3),
    )),
    Organisation("SFB", "Secours Formation Bretagne", "secours-formation-bretagne",
                 tuple(BRETAGNE), (("sst", 7), ("mac_sst", 5), ("psc1", 4))),
    Organisation("LGO", "Langues du Grand Ouest", "langues-du-grand-ouest", (
        *CLUSTER, "esp-vire", "esp-coutances", "esp-villedieu", "esp-mortain",
    ), (("anglais_pro", 6), ("anglais_deb", 5), ("espagnol", 4), ("cafe_anglais", 3))),
    Organisation("TRO", "Tremplin Reconversion Ouest", "tremplin-reconversion-ouest",
                 tuple(BRETAGNE + NORMANDIE), (
        ("vae_info", 5), ("vae_accomp", 3), ("bilan", 4), ("reconversion_conf", 4),
        ("permanence", 5),
    )),
    Organisation("LFN", "Logistique Formation Normandie", "logistique-formation-normandie",
                 tuple(NORMANDIE), (
        ("caces_1a3", 5), ("caces_5", 3), ("caces_rec", 3), ("sst", 3), ("mac_sst", 2),
    )),
    Organisation("HSF", "Hygiène & Saveurs Formation", "hygiene-et-saveurs-formation",
                 tuple(CLUSTER + FINISTERE + NORMANDIE), (("haccp", 7),)),
    Organisation("CCA", "Cap Compétences Auvergne", "cap-competences-auvergne",
                 tuple(AUVERGNE), (
        ("excel_init", 4), ("excel_tosa", 2), ("word", 2), ("vae_info", 2), ("bilan", 2),
        ("gestion_stress", 3), ("prise_parole", 2), ("haccp", 3), ("anglais_pro", 2),
        ("creer_entreprise", 2), ("sst", 2),
    )),
    Organisation("ANT", "Atelier Numérique des Territoires", "atelier-numerique-des-territoires",
                 tuple(BRETAGNE + NORMANDIE + AUVERGNE + SUD_OUEST), (
        ("fb_insta", 8), ("reseaux_strat", 3), ("seo", 4), ("wordpress", 4),
        ("site_vitrine", 5),
    )),
    Organisation("SOE", "Sud-Ouest Entreprendre & Gestion", "sud-ouest-entreprendre",
                 tuple(SUD_OUEST), (
        ("creer_entreprise", 3), ("micro", 3), ("compta_tpe", 3), ("haccp", 2),
        ("excel_init", 2), ("fb_insta", 2), ("sst", 2),
    )),
]
ORG_BY_CODE = {org.code: org for org in ORGANISATIONS}

TUTORS = [
    ("T01", "Anne Le Gall", "Tremplin Reconversion Ouest",
     "reconversion;vae;bilan de compétences;orientation", "900001"),
    ("T02", "Yannick Guillou", "Form'Ouest Conseil",
     "création d'entreprise;micro-entreprise;comptabilité", "900002"),
    ("T03", "Sophie Marchand", "Bureautique & Vous", "excel;word;bureautique", ""),
    ("T04", "Karim Benali", "Langues du Grand Ouest", "anglais;espagnol;langues", ""),
    ("T05", "Claire Vasseur", "Logistique Formation Normandie", "caces;logistique;sst", ""),
    ("T06", "Mathieu Roux", "Cap Compétences Auvergne",
     "vae;bilan de compétences;reconversion;prise de parole", ""),
    ("T07", "Élodie Fabre", "Sud-Ouest Entreprendre & Gestion",
     "comptabilité;création d'entreprise;micro-entreprise;gestion", ""),
    ("T08", "Julien Morvan", "Atelier Numérique des Territoires",
     "numérique;réseaux sociaux;wordpress;site web;seo", ""),
]


# --------------------------------------------------------------------------------------------
# Scheduling
# --------------------------------------------------------------------------------------------
def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def fits(day: dt.date, slot: str, days: int) -> bool:
    """True when a course of `days` consecutive days can start on `day` in `slot`."""
    kind = SLOTS[slot][2]
    if kind == "saturday":
        return day.weekday() == 5 and day not in HOLIDAYS and days == 1
    run = [day + dt.timedelta(days=i) for i in range(days)]
    return run[-1] <= LAST_DAY and all(is_working_day(d) for d in run)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def weighted_order(rng: random.Random, space_ids: tuple[str, ...]) -> list[str]:
    """Spaces in a random order, the ones near Ploërmel more likely to come first."""
    keyed = [(rng.random() ** (1 / (3.0 if s in NEAR_PLOERMEL else 1.0)), s) for s in space_ids]
    return [s for _, s in sorted(keyed, reverse=True)]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def pick_modality(rng: random.Random, weights: dict[str, float]) -> str:
    names = sorted(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]


def price_for(rng: random.Random, low: int, high: int) -> float:
    if high == 0:
        return 0.0
    base = rng.randrange(low, high + 1, 10)
    return base - 0.5 if rng.random() < 0.2 else float(base)


def schedule(rng: random.Random) -> list[dict]:
    total_days = (LAST_DAY - FIRST_DAY).days + 1
    busy: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    week_titles: set[tuple[str, tuple[int, int], str]] = set()
    rows: list[dict] = []
    for org in ORGANISATIONS:
        org_rows = []
        for key, count in org.offers:
            course = COURSES[key]
            price = price_for(rng, *course.price)
            order = weighted_order(rng, org.spaces)
            for i in range(count):
                space_id = order[i % len(order)]
                city = SPACE_BY_ID[space_id][4]
                lo = i * total_days // count
                hi = (i + 1) * total_days // count
                candidates = list(range(lo, hi))
                rng.shuffle(candidates)
                rest = [d for d in range(total_days) if d not in candidates]
                rng.shuffle(rest)
                placed = None
                for offset in candidates + rest:
                    day = FIRST_DAY + dt.timedelta(days=offset)
                    slots = list(course.slots)
                    rng.shuffle(slots)
                    for slot in slots:
                        if not fits(day, slot, course.days):
                            continue
                        start_hm, end_hm, _ = SLOTS[slot]
                        start = at(day, start_hm)
                        end = at(day + dt.timedelta(days=course.days - 1), end_hm)
                        week_key = (city, day.isocalendar()[:2], key)
                        if week_key in week_titles:
                            continue
                        if any(s < end and start < e for s, e in busy.get(space_id, [])):
                            continue
                        placed = (start, end, week_key)
                        break
                    if placed:
                        break
                if placed is None:
                    raise RuntimeError(f"cannot place {org.code} {key} #{i}")
                start, end, week_key = placed
                busy.setdefault(space_id, []).append((start, end))
                week_titles.add(week_key)
                modality = pick_modality(rng, course.modality)
                description = rng.choice(course.texts)
                if modality == "blended":
                    description += " " + BLENDED_NOTE
                elif modality == "distanciel":
                    description += " " + REMOTE_NOTE
                elif course.extras and rng.random() < 0.6:
                    description += " " + rng.choice(course.extras)
                low_seats, high_seats = course.seats
                org_rows.append({
                    "title": course.title,
                    "organisation": org.name,
                    "space_id": space_id,
                    "start": start,
                    "end": end,
                    "seats": rng.randint(low_seats, high_seats),
                    "topics": course.topics,
                    "modality": modality,
                    "format": course.fmt,
                    "price_eur": price,
                    "cpf": "oui" if course.cpf else "non",
                    "description": description,
                    "status": "scheduled",
                    "_course": key,
                    "_org": org.code,
                })
        org_rows.sort(key=lambda r: (r["start"], r["space_id"], r["title"]))
        for n, row in enumerate(org_rows, start=1):
            row["session_id"] = f"{org.code}-{n:03d}"
            row["url"] = f"https://example.org/{org.slug}/sessions/{row['session_id'].lower()}"
        rows.extend(org_rows)
    # Three cancelled sessions, one in the Ploërmel cluster.
    for session_id in ("BEV-003", "SFB-005", "ANT-010"):
        next(r for r in rows if r["session_id"] == session_id)["status"] = "cancelled"
    rows.sort(key=lambda r: (r["start"], r["session_id"]))
    return rows


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------
def fmt_price(value: float) -> str:
    return "0" if value == 0 else f"{value:.2f}"


def csv_row(row: dict) -> list[str]:
    out = []
    for col in SESSION_COLUMNS:
        value = row[col]
        if isinstance(value, dt.datetime):
            value = value.strftime(DATE_FMT)
        elif col == "price_eur":
            value = fmt_price(value)
        out.append(str(value))
    return out


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ",",
              encoding: str = "utf-8", lineterminator: str = "\n") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def space_json(row: tuple) -> dict:
    item = dict(zip(SPACE_COLUMNS, row, strict=True))
    for key in ("latitude", "longitude"):
        item[key] = float(item[key]) if item[key] else None
    return item


def session_json(row: dict) -> dict:
    item = dict(zip(SESSION_COLUMNS, csv_row(row), strict=True))
    item["seats"] = row["seats"]
    item["price_eur"] = row["price_eur"]
    return item


FIXED_ZIP_TIME = (2027, 1, 4, 0, 0, 0)
FIXED_ISO = "2027-01-04T00:00:00Z"


def freeze_xlsx(path: Path, replace: dict[str, bytes] | None = None) -> None:
    """Rewrite an .xlsx with fixed timestamps (reproducible bytes), replacing some members."""
    with zipfile.ZipFile(path) as src:
        members = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in members:
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*", r"\g<1>" + FIXED_ISO,
                              text)
                data = text.encode("utf-8")
            if replace and name in replace:
                data = replace[name]
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def new_workbook() -> Workbook:
    wb = Workbook()
    fixed = dt.datetime(2027, 1, 4)
    wb.properties.creator = "Proxi sample data"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    return wb


WIDTHS = {"title": 48, "organisation": 30, "space_id": 22, "start": 17, "end": 17,
          "topics": 40, "description": 70, "url": 52, "session_id": 11}


def fill_sessions_sheet(ws, rows: list[dict], *, seats_formulas: list[str] | None = None) -> None:
    ws.append(SESSION_COLUMNS)
    for r_index, row in enumerate(rows, start=2):
        values = []
        for col in SESSION_COLUMNS:
            value = row[col]
            if col == "price_eur":
                value = float(value)
            values.append(value)
        ws.append(values)
        for c_index, col in enumerate(SESSION_COLUMNS, start=1):
            cell = ws.cell(row=r_index, column=c_index)
            if col in ("start", "end"):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif col == "price_eur":
                cell.number_format = "0.00"
        if seats_formulas:
            ws.cell(row=r_index, column=SESSION_COLUMNS.index("seats") + 1).value = (
                seats_formulas[r_index - 2]
            )
    for c_index, col in enumerate(SESSION_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=c_index).column_letter].width = WIDTHS.get(
            col, 12
        )
    ws.freeze_panes = "A2"


def write_sessions_xlsx(path: Path, rows: list[dict]) -> None:
    wb = new_workbook()
    ws = wb.active
    ws.title = "sessions"
    fill_sessions_sheet(ws, rows)
    wb.save(path)
    freeze_xlsx(path)


# --------------------------------------------------------------------------------------------
# LHEO 2.3
# --------------------------------------------------------------------------------------------
LHEO_NS = "http://lheo.gouv.fr/2.3"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def fictitious_siret(n: int) -> str:
    """A SIRET with a valid Luhn key whose SIREN starts with 000 (never allocated)."""
    siren = next(f"000{n:03d}{k:03d}" for k in range(1000) if luhn_ok(f"000{n:03d}{k:03d}"))
    return next(f"{siren}{k:05d}" for k in range(1, 100000) if luhn_ok(f"{siren}{k:05d}"))


# Training places of the LHEO file: towns that are NOT in spaces.csv.
LHEO_PLACES = {
    "loudeac": ("Espace proxitravail de Loudéac", "3 place de l'Église", "22600", "Loudéac",
                "22", "22136", ("48.17791", "-2.75305")),
    "saint-meen": ("Tiers-lieu de Saint-Méen-le-Grand", "8 rue de Montfort", "35290",
                   "Saint-Méen-le-Grand", "35", "35297", None),
    "langeac": ("Relais d'Entreprises de Langeac", "2 place Aristide Briand", "43300",
                "Langeac", "43", "43112", ("45.09943", "3.49361")),
    "riom": ("Coworking de Riom-ès-Montagnes", "5 avenue Fernand Brun", "15400",
             "Riom-ès-Montagnes", "15", "15162", None),
}
LHEO_ORGS = {
    "SFB": (1, "53569999901", ("14 rue des Forges", "56800", "Ploërmel"), "02 97 00 00 20"),
    "BEV": (2, "53359999902", ("7 rue de Vannes", "35600", "Redon"), "02 99 00 00 21"),
    "CCA": (3, "84639999903", ("11 boulevard de la Manlière", "63500", "Issoire"),
            "04 73 00 00 22"),
}
LHEO_FORMATIONS = [
    {
        "numero": "F-SST-001", "org": "SFB", "nsf": "344", "certifiante": "1",
        "intitule": "Sauveteur Secouriste du Travail (SST) – formation initiale",
        "objectif": "Être capable d'intervenir face à une situation d'accident du travail et de "
                    "contribuer à la prévention des risques dans son entreprise.",
        "resultats": "Certificat SST délivré sous l'habilitation de l'INRS, valable 24 mois.",
        "contenu": "Protéger, examiner, faire alerter, secourir ; utilisation du défibrillateur ; "
                   "repérer les situations dangereuses et en informer sa hiérarchie.",
        "actions": [
            {"numero": "A-SST-LOUDEAC", "place": "loudeac", "modalite": "0", "prix": "260.00",
             "heures": "14", "places": "10", "horaires": "09:00-17:00",
             "sessions": [("S-SST-LOU-01", "20270208", "20270209", "1"),
                          ("S-SST-LOU-02", "20270412", "20270413", "1")]},
            {"numero": "A-SST-SAINTMEEN", "place": "saint-meen", "modalite": "0",
             "prix": "260.00", "heures": "14", "places": "8", "horaires": "09:00-17:00",
             "sessions": [("S-SST-SMG-01", "20270315", "20270316", "1"),
                          ("S-SST-SMG-02", "20270607", "20270608", "2")]},
        ],
    },
    {
        "numero": "F-XLS-002", "org": "BEV", "nsf": "324", "certifiante": "1",
        "intitule": "Excel – préparation à la certification TOSA (parcours mixte)",
        "objectif": "Maîtriser les fonctions avancées d'Excel et valider son niveau par la "
                    "certification TOSA.",
        "resultats": "Score TOSA Excel et attestation de fin de formation.",
        "contenu": "Fonctions conditionnelles et de recherche, tableaux croisés dynamiques, "
                   "graphiques ; deux journées en salle et des modules en ligne.",
        "actions": [
            {"numero": "A-XLS-LOUDEAC", "place": "loudeac", "modalite": "1", "prix": "690.00",
             "heures": "21", "places": "8", "horaires": "09:00-17:00",
             "sessions": [("S-XLS-LOU-01", "20270125", "20270129", "1"),
                          ("S-XLS-LOU-02", "20270510", "20270514", "1")]},
        ],
    },
    {
        "numero": "F-HACCP-003", "org": "CCA", "nsf": "221", "certifiante": "0",
        "intitule": "Hygiène alimentaire adaptée à l'activité de restauration commerciale "
                    "(HACCP, 14 h)",
        "objectif": "Connaître la réglementation et mettre en œuvre les bonnes pratiques "
                    "d'hygiène en restauration commerciale.",
        "resultats": "Attestation de formation en hygiène alimentaire reconnue pour "
                     "l'ouverture d'un établissement.",
        "contenu": "Dangers microbiens, méthode HACCP, plan de maîtrise sanitaire, "
                   "traçabilité et contrôles officiels.",
        "actions": [
            {"numero": "A-HACCP-LANGEAC", "place": "langeac", "modalite": "0", "prix": "420.00",
             "heures": "14", "places": "12", "horaires": "09:00-17:00",
             "sessions": [("S-HACCP-LAN-01", "20270222", "20270223", "1"),
                          ("S-HACCP-LAN-02", "20270426", "20270427", "1"),
                          ("S-HACCP-LAN-03", "20270621", "20270622", "3")]},
        ],
    },
    {
        "numero": "F-CREA-004", "org": "CCA", "nsf": "310", "certifiante": "0",
        "intitule": "Créer son entreprise en milieu rural",
        "objectif": "Structurer son projet de création ou de reprise d'entreprise et choisir "
                    "son statut.",
        "resultats": "Un dossier de projet avec étude de marché et prévisionnel sur trois ans.",
        "contenu": "Étude de marché locale, prévisionnel financier, statuts juridiques, aides "
                   "à la création, réseaux d'accompagnement du territoire.",
        "actions": [
            {"numero": "A-CREA-RIOM", "place": "riom", "modalite": "0", "prix": "350.00",
             "heures": "14", "places": "10", "horaires": "09:00-17:00",
             "sessions": [("S-CREA-RIO-01", "20270118", "20270119", "1"),
                          ("S-CREA-RIO-02", "20270518", "20270519", "1"),
                          ("S-CREA-RIO-03", "20270614", "20270615", "1")]},
        ],
    },
]


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{LHEO_NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def lheo_address(parent: ET.Element, line: str, postcode: str, city: str, *,
                 departement: str | None = None, insee: str | None = None,
                 geo: tuple[str, str] | None = None) -> None:
    address = sub(parent, "adresse")
    sub(address, "ligne", line)
    sub(address, "codepostal", postcode)
    sub(address, "ville", city)
    if departement:
        sub(address, "departement", departement)
    if insee:
        sub(address, "code-INSEE-commune", insee)
    sub(address, "pays", "FR")
    if geo:
        geolocalisation = sub(address, "geolocalisation")
        sub(geolocalisation, "latitude", geo[0])
        sub(geolocalisation, "longitude", geo[1])


def build_lheo() -> bytes:
    ET.register_namespace("", LHEO_NS)
    root = ET.Element(f"{{{LHEO_NS}}}lheo")
    offres = sub(root, "offres")
    for spec in LHEO_FORMATIONS:
        org = ORG_BY_CODE[spec["org"]]
        n, activite, (hq_line, hq_postcode, hq_city), phone = LHEO_ORGS[spec["org"]]
        email = f"contact@{org.slug}.example.org"
        formation = sub(offres, "formation", numero=spec["numero"])
        domaine = sub(formation, "domaine-formation")
        sub(domaine, "code-NSF", spec["nsf"])
        sub(formation, "intitule-formation", spec["intitule"])
        sub(formation, "objectif-formation", spec["objectif"])
        sub(formation, "resultats-attendus", spec["resultats"])
        sub(formation, "contenu-formation", spec["contenu"])
        sub(formation, "certifiante", spec["certifiante"])
        contact = sub(sub(formation, "contact-formation"), "coordonnees")
        telfixe = sub(contact, "telfixe")
        sub(telfixe, "numtel", phone)
        sub(contact, "courriel", email)
        sub(formation, "parcours-de-formation", "1")
        sub(formation, "code-niveau-entree", "0")
        sub(sub(formation, "url-formation"), "urlweb",
            f"https://example.org/{org.slug}/formations/{spec['numero'].lower()}")
        for act in spec["actions"]:
            place_name, line, postcode, city, dep, insee, geo = LHEO_PLACES[act["place"]]
            action = sub(formation, "action", numero=act["numero"])
            sub(action, "rythme-formation", "En journée")
            sub(action, "code-public-vise", "80056", ref="V12")
            sub(action, "niveau-entree-obligatoire", "0")
            sub(action, "modalites-alternance", "Sans objet")
            sub(action, "modalites-enseignement", act["modalite"])
            sub(action, "conditions-specifiques", "Aucune")
            sub(action, "prise-en-charge-frais-possible", "1")
            lieu = sub(sub(action, "lieu-de-formation"), "coordonnees")
            sub(lieu, "ligne", place_name)
            lheo_address(lieu, line, postcode, city, departement=dep, insee=insee, geo=geo)
            sub(action, "modalites-entrees-sorties", "0")
            sub(sub(action, "url-action"), "urlweb",
                f"https://example.org/{org.slug}/actions/{act['numero'].lower()}")
            for numero, debut, fin, etat in act["sessions"]:
                session = sub(action, "session", numero=numero)
                periode = sub(session, "periode")
                sub(periode, "debut", debut)
                sub(periode, "fin", fin)
                inscription = sub(session, "adresse-inscription")
                lheo_address(inscription, hq_line, hq_postcode, hq_city)
                sub(session, "etat-recrutement", etat)
                extras = sub(session, "extras", info="proxi")
                sub(extras, "extra", act["places"], info="places")
                sub(extras, "extra", act["horaires"], info="horaires")
            sub(action, "acces-handicapes", "Locaux de plain-pied, accessibles en fauteuil.")
            sub(action, "prix-total-TTC", act["prix"])
            sub(action, "nombre-heures-total", act["heures"])
        responsable = sub(formation, "organisme-formation-responsable", numero=org.code)
        sub(responsable, "numero-activite", activite)
        sub(sub(responsable, "SIRET-organisme-formation"), "SIRET", fictitious_siret(n))
        sub(responsable, "nom-organisme", org.name)
        sub(responsable, "raison-sociale", org.name)
        hq = sub(sub(responsable, "coordonnees-organisme"), "coordonnees")
        lheo_address(hq, hq_line, hq_postcode, hq_city)
        contact = sub(sub(responsable, "contact-organisme"), "coordonnees")
        telfixe = sub(contact, "telfixe")
        sub(telfixe, "numtel", phone)
        sub(contact, "courriel", email)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------
# Bad files (data/sample/bad/): each has exactly one kind of problem, see bad/README.md
# --------------------------------------------------------------------------------------------
def bad_row(session_id: str, **changes: str) -> list[str]:
    """A valid session row (Bureautique & Vous, Ploërmel) with some fields changed.

    Row N of a file is on the N-th Tuesday from 2 March 2027, so that rows never look like
    duplicates of each other.
    """
    day = dt.date(2027, 3, 2) + dt.timedelta(weeks=int(session_id.rsplit("-", 1)[1]) - 1)
    row = {
        "session_id": session_id,
        "title": "Excel initiation : premiers tableaux et formules",
        "organisation": "Bureautique & Vous",
        "space_id": "esp-ploermel",
        "start": f"{day} 09:00",
        "end": f"{day} 17:00",
        "seats": "8",
        "topics": "excel;tableur;bureautique;débutant",
        "modality": "presentiel",
        "format": "formation",
        "price_eur": "320.00",
        "cpf": "non",
        "description": "Découvrir Excel pas à pas : saisie, mise en forme, formules simples.",
        "url": f"https://example.org/bureautique-et-vous/sessions/{session_id.lower()}",
        "status": "scheduled",
    }
    row.update(changes)
    return [row[col] for col in SESSION_COLUMNS]


def write_bad_files(rng: random.Random) -> None:
    BAD.mkdir(exist_ok=True)
    (BAD / "empty.csv").write_bytes(b"")
    write_csv(BAD / "header_only.csv", SESSION_COLUMNS, [])

    no_start = [c for c in SESSION_COLUMNS if c != "start"]
    rows = [bad_row(f"MISS-00{i}", space_id=s) for i, s in
            enumerate(("esp-ploermel", "esp-josselin", "esp-redon"), start=1)]
    start_index = SESSION_COLUMNS.index("start")
    write_csv(BAD / "missing_column.csv", no_start,
              [r[:start_index] + r[start_index + 1:] for r in rows])

    rows = [[*bad_row("UNK-001"), "bleu"],
            [*bad_row("UNK-002", space_id="esp-guer"), "vert"],
            [*bad_row("UNK-003", space_id="esp-redon"), "rouge"]]
    write_csv(BAD / "unknown_column.csv", [*SESSION_COLUMNS, "couleur"], rows)

    write_csv(BAD / "duplicate_ids.csv", SESSION_COLUMNS, [
        bad_row("DUP-001"),
        bad_row("DUP-002", space_id="esp-josselin"),
        bad_row("DUP-001", space_id="esp-redon", start="2027-03-16 09:00",
                end="2027-03-16 17:00", title="Word : mettre en page des documents "
                "professionnels", topics="word;traitement de texte;bureautique",
                description="Styles, tableaux et publipostage pour des courriers soignés."),
    ])

    write_csv(BAD / "bad_dates.csv", SESSION_COLUMNS, [
        bad_row("DATE-001"),
        bad_row("DATE-002", start="31/02/2027 09:00", end="31/02/2027 17:00"),
        bad_row("DATE-003", start="demain", end="demain"),
        bad_row("DATE-004", start="2027-13-01 09:00", end="2027-13-01 17:00"),
        bad_row("DATE-005", start="2027-03-30 25:00", end="2027-03-30 27:00"),
        bad_row("DATE-006", start="", end=""),
    ])

    write_csv(BAD / "end_before_start.csv", SESSION_COLUMNS, [
        bad_row("ORDER-001"),
        bad_row("ORDER-002", start="2027-03-09 14:00", end="2027-03-09 12:00"),
        bad_row("ORDER-003", start="2027-03-16 09:00", end="2027-03-15 17:00"),
        bad_row("ORDER-004", start="2027-03-23 09:00", end="2027-03-23 09:00"),
    ])

    write_csv(BAD / "bad_seats.csv", SESSION_COLUMNS, [
        bad_row("SEATS-001"),
        bad_row("SEATS-002", seats=""),
        bad_row("SEATS-003", seats="0"),
        bad_row("SEATS-004", seats="-3"),
        bad_row("SEATS-005", seats="douze"),
    ])

    write_csv(BAD / "unknown_space.csv", SESSION_COLUMNS, [
        bad_row("SPACE-001"),
        bad_row("SPACE-002", space_id="esp-brest"),
        bad_row("SPACE-003", space_id="esp-ploermell"),
    ])

    write_csv(BAD / "unknown_city.csv", SPACE_COLUMNS, [
        ["esp-tataouine", "Coworking de Tataouine", "1 rue du Désert", "99999", "Tataouine",
         "", "", "oui", "tataouine@example.org"],
    ])

    cp1252_rows = [
        bad_row("W1252-001", title="Excel : les fonctions «SI» et «RECHERCHEV»",
                topics="excel;tableur;bureautique;fonctions", price_eur="290",
                description="Mettre en œuvre les fonctions logiques, l’essentiel en 1 jour "
                            "(290 € TTC)."),
        bad_row("W1252-002", title="Word : mise en page – niveau 2",
                space_id="esp-malestroit", start="2027-03-11 09:00", end="2027-03-11 17:00",
                topics="word;traitement de texte;bureautique", price_eur="250",
                description="Sommaire automatique, en-têtes, styles ; pour des documents "
                            "soignés."),
        bad_row("W1252-003", title="PowerPoint : réussir ses présentations",
                space_id="esp-la-gacilly", start="2027-03-18 13:30", end="2027-03-18 17:00",
                topics="powerpoint;présentation;bureautique", price_eur="190",
                description="Un diaporama clair, des visuels bien choisis… et moins de "
                            "texte !"),
    ]
    write_csv(BAD / "windows1252.csv", SESSION_COLUMNS, cp1252_rows, delimiter=";",
              encoding="cp1252", lineterminator="\r\n")

    noise = bytearray(rng.randbytes(384))
    for position in range(0, len(noise), 37):
        noise[position] = 0
    (BAD / "binary.csv").write_bytes(bytes(noise))

    write_csv(BAD / "formula_injection.csv", SESSION_COLUMNS, [
        bad_row("INJ-001", title='=HYPERLINK("https://example.org/piege","Cliquez ici")'),
        bad_row("INJ-002",
                description="+33 2 97 00 00 00 pour s'inscrire, du lundi au vendredi."),
        bad_row("INJ-003",
                description="-10 % pour les demandeurs d'emploi, sur présentation d'un "
                            "justificatif."),
        bad_row("INJ-004",
                title="@Excel : les raccourcis qui changent tout",
                description="@bureautique_et_vous sur les réseaux sociaux pour les dates."),
        bad_row("INJ-005", description="=1+1"),
    ])

    write_csv(BAD / "other_org.csv", SESSION_COLUMNS, [
        bad_row("AUTRE-001", organisation="Autre Organisme",
                url="https://example.org/autre-organisme/sessions/autre-001"),
        bad_row("AUTRE-002", organisation="Autre Organisme", space_id="esp-josselin",
                url="https://example.org/autre-organisme/sessions/autre-002"),
        bad_row("AUTRE-003", organisation="Autre Organisme", space_id="esp-redon",
                url="https://example.org/autre-organisme/sessions/autre-003"),
    ])

    # formulas.xlsx: the seats cells hold formulas with cached values (8, 12, 10), as Excel
    # saves them. openpyxl writes no cached value, so the value is patched into the XML.
    def sheet_row(sid: str, space: str) -> dict:
        row = dict(zip(SESSION_COLUMNS, bad_row(sid, space_id=space), strict=True))
        row["start"] = dt.datetime.strptime(row["start"], DATE_FMT)
        row["end"] = dt.datetime.strptime(row["end"], DATE_FMT)
        row["seats"] = int(row["seats"])
        return row

    formula_rows = [sheet_row("FORM-001", "esp-ploermel"), sheet_row("FORM-002", "esp-guer"),
                    sheet_row("FORM-003", "esp-redon")]
    formulas = ["=4+4", "=SUM(5,7)", "=2*5"]
    cached = ["8", "12", "10"]
    wb = new_workbook()
    ws = wb.active
    ws.title = "sessions"
    fill_sessions_sheet(ws, formula_rows, seats_formulas=formulas)
    path = BAD / "formulas.xlsx"
    wb.save(path)
    seats_col = ws.cell(row=1, column=SESSION_COLUMNS.index("seats") + 1).column_letter
    # One regex over the sheet: give each formula cell of the seats column its cached value.
    values = {f"{seats_col}{i}": v for i, v in enumerate(cached, start=2)}

    def add_cached(match: re.Match) -> str:
        return f'<c r="{match[1]}"{match[2]}><f>{match[3]}</f><v>{values[match[1]]}</v></c>'

    pattern = rf'<c r="({seats_col}[2-4])"([^>]*)><f>([^<]*)</f><v\s*/>\s*</c>'
    with zipfile.ZipFile(path) as src:
        sheet_xml = src.read("xl/worksheets/sheet1.xml").decode("utf-8")
    patched, n = re.subn(pattern, add_cached, sheet_xml)
    if n != 3:
        raise RuntimeError(f"expected 3 formula cells, patched {n}")
    freeze_xlsx(path, {"xl/worksheets/sheet1.xml": patched.encode("utf-8")})

    wb = new_workbook()
    notes = wb.active
    notes.title = "notes"
    notes.append(["Notes de l'organisme"])
    notes.append(["Les sessions à importer sont dans l'onglet « sessions »."])
    notes.append(["Ne pas importer cet onglet."])
    notes.column_dimensions["A"].width = 60
    sessions = wb.create_sheet("sessions")
    fill_sessions_sheet(sessions, [
        sheet_row("TWO-001", "esp-ploermel"),
        sheet_row("TWO-002", "esp-josselin"),
        sheet_row("TWO-003", "esp-malestroit"),
    ])
    wb.save(BAD / "two_sheets.xlsx")
    freeze_xlsx(BAD / "two_sheets.xlsx")

    lol = ['<!ENTITY lol "lol">']
    for level in range(1, 10):
        previous = "lol" if level == 1 else f"lol{level - 1}"
        lol.append(f'<!ENTITY lol{level} "{("&" + previous + ";") * 10}">')
    (BAD / "billion_laughs.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!DOCTYPE lheo [\n  " + "\n  ".join(lol) + "\n]>\n"
        f'<lheo xmlns="{LHEO_NS}">\n'
        "  <offres>\n"
        '    <formation numero="F-LOL-001">\n'
        "      <intitule-formation>&lol9;</intitule-formation>\n"
        "      <objectif-formation>Bombe d'entités (billion laughs).</objectif-formation>\n"
        "    </formation>\n"
        "  </offres>\n"
        "</lheo>\n",
        encoding="utf-8",
    )
    (BAD / "external_entity.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE lheo [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
        f'<lheo xmlns="{LHEO_NS}">\n'
        "  <offres>\n"
        '    <formation numero="F-XXE-001">\n'
        "      <intitule-formation>&xxe;</intitule-formation>\n"
        "      <objectif-formation>Entité externe (XXE).</objectif-formation>\n"
        "    </formation>\n"
        "  </offres>\n"
        "</lheo>\n",
        encoding="utf-8",
    )

    write_hostile_files()


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([SESSION_COLUMNS, *rows])
    return buffer.getvalue()


def write_hostile_files() -> None:
    """Garbled encodings and hostile structures (issue 9): each must be refused with a problem
    that says where, never imported as mojibake nor answered with a traceback."""
    valid = csv_text([bad_row("ENC-001"), bad_row("ENC-002")])
    # One "–" pasted from Excel in Windows-1252 (byte 0x96) into a UTF-8 file, on line 3.
    lines = valid.split("\n")
    lines[2] = lines[2].replace("initiation :", "initiation –", 1)
    stray = "\n".join(lines).encode("utf-8").replace("–".encode(), b"\x96")
    (BAD / "stray_byte.csv").write_bytes(stray)
    japanese = bad_row("ENC-001", title="エクセル研修の日程、会場は東京都千代田区。",
                       topics="エクセル", description="初心者向けの研修です。")
    (BAD / "shift_jis.csv").write_bytes(csv_text([japanese]).encode("shift_jis"))
    (BAD / "utf16_no_bom.csv").write_bytes(valid.encode("utf-16-le"))
    bell = bad_row("ENC-002", description="Texte copié avec un caractère \x07 invisible.")
    (BAD / "control_char.csv").write_text(csv_text([bad_row("ENC-001"), bell]), encoding="utf-8")
    (BAD / "deep.json").write_text("[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    (BAD / "huge_number.json").write_text(
        '[{"session_id": "NUM-001", "seats": ' + "9" * 5000 + "}]\n", encoding="utf-8"
    )
    write_rows_bomb(BAD / "rows_bomb.xlsx")


def write_rows_bomb(path: Path) -> None:
    """A few kilobytes declaring 1,048,576 rows × 16,384 columns, with a last row that far."""
    wb = new_workbook()
    ws = wb.active
    ws.title = "sessions"
    ws.append(SESSION_COLUMNS)
    ws.append(bad_row("BOMB-001"))
    wb.save(path)
    with zipfile.ZipFile(path) as src:
        sheet = src.read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb"<dimension[^>]*/>", b'<dimension ref="A1:XFD1048576"/>', sheet)
    last = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    freeze_xlsx(path, {"xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", last +
                                                                   b"</sheetData>")})


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------
def check(sessions: list[dict]) -> None:
    ids = [s["session_id"] for s in sessions]
    assert len(ids) == len(set(ids)), "duplicate session ids"
    assert len(SPACE_BY_ID) == len(SPACES), "duplicate space ids"
    assert len(SPACES) >= 28 and len(sessions) >= 170
    week_titles = set()
    for s in sessions:
        assert s["space_id"] in SPACE_BY_ID, s
        assert s["end"] > s["start"], s
        assert s["start"].date() >= FIRST_DAY and s["end"].date() <= LAST_DAY, s
        assert s["start"].weekday() < 6 and s["start"].date() not in HOLIDAYS, s
        assert 1 <= s["seats"] <= 16, s
        key = (SPACE_BY_ID[s["space_id"]][4], s["start"].isocalendar()[:2],
               normalise(s["title"]))
        assert key not in week_titles, s
        week_titles.add(key)
    assert sum(s["status"] == "cancelled" for s in sessions) == 3
    used = {s["space_id"] for s in sessions}
    assert used == set(SPACE_BY_ID), set(SPACE_BY_ID) - used
    for _, _, _, _, telegram in TUTORS:
        assert telegram in ("", "900001", "900002")
    # Round trips through the csv module and openpyxl.
    with (OUT / "sessions.csv").open(encoding="utf-8", newline="") as handle:
        parsed = list(csv.DictReader(handle))
    assert len(parsed) == len(sessions) and list(parsed[0]) == SESSION_COLUMNS
    with (BAD / "windows1252.csv").open(encoding="cp1252", newline="") as handle:
        assert len(list(csv.DictReader(handle, delimiter=";"))) == 3
    wb = load_workbook(BAD / "formulas.xlsx", data_only=True)
    seats = [row[SESSION_COLUMNS.index("seats")] for row in
             wb["sessions"].iter_rows(min_row=2, values_only=True)]
    assert seats == [8, 12, 10], seats
    wb = load_workbook(BAD / "formulas.xlsx")
    assert wb["sessions"]["G2"].value == "=4+4"
    for s in sessions:
        for day in range((s["end"].date() - s["start"].date()).days + 1):
            assert (s["start"] + dt.timedelta(days=day)).date() not in HOLIDAYS, s
    ET.fromstring((OUT / "offre.lheo.xml").read_bytes())


def main() -> None:
    rng = random.Random(SEED)
    sessions = schedule(rng)

    write_csv(OUT / "spaces.csv", SPACE_COLUMNS, [list(row) for row in SPACES])
    write_csv(OUT / "sessions.csv", SESSION_COLUMNS, [csv_row(s) for s in sessions])
    write_csv(OUT / "tutors.csv", TUTOR_COLUMNS, [list(t) for t in TUTORS])

    # sessions.xlsx: every session of one organisation, as its admin would upload them.
    write_sessions_xlsx(OUT / "sessions.xlsx", [s for s in sessions if s["_org"] == "BEV"])

    # JSON: five spaces and the first 20 sessions of Form'Ouest Conseil, held in them.
    json_spaces = ORG_BY_CODE["FOC"].spaces
    (OUT / "spaces.json").write_text(
        json.dumps([space_json(SPACE_BY_ID[s]) for s in json_spaces], ensure_ascii=False,
                   indent=2) + "\n", encoding="utf-8")
    foc = [s for s in sessions if s["_org"] == "FOC" and s["space_id"] in json_spaces][:20]
    (OUT / "sessions.json").write_text(
        json.dumps([session_json(s) for s in foc], ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8")

    (OUT / "offre.lheo.xml").write_bytes(build_lheo())
    write_bad_files(rng)
    check(sessions)

    modalities = {m: sum(s["modality"] == m for s in sessions)
                  for m in ("presentiel", "blended", "distanciel")}
    print(f"{len(SPACES)} spaces, {len(sessions)} sessions {modalities}, "
          f"{len(foc)} sessions in sessions.json, "
          f"{sum(s['_org'] == 'BEV' for s in sessions)} in sessions.xlsx")


if __name__ == "__main__":
    main()
