"""The texts of the questionnaires skillsmap writes, in its six languages.

Everything a respondent reads that does not come from the framework, the
region set or the typology: prompts, level labels of the scales, the
consent question, the organisation-size attribute and the stakeholder types
of the default typology. Written by the skillsmap project (unofficial
translations); a study that needs validated wording edits the form.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The languages skillsmap writes questionnaires in, English first.
LANGUAGES = ("en", "es", "fr", "sl", "fi", "it")

#: How each language is named in XLSForm columns (``label::English (en)``).
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "sl": "Slovenščina",
    "fi": "Suomi",
    "it": "Italiano",
}

TITLE = {
    "en": "Social economy skills survey",
    "es": "Encuesta de competencias de la economía social",
    "fr": "Enquête sur les compétences de l'économie sociale",
    "sl": "Raziskava o kompetencah v socialni ekonomiji",
    "fi": "Yhteisötalouden osaamiskysely",
    "it": "Indagine sulle competenze dell'economia sociale",
}

RESPONDENT_GROUP = {
    "en": "About you and your organisation",
    "es": "Sobre usted y su organización",
    "fr": "À propos de vous et de votre organisation",
    "sl": "O vas in vaši organizaciji",
    "fi": "Tietoja sinusta ja organisaatiostasi",
    "it": "Informazioni su di lei e sulla sua organizzazione",
}

REGION = {
    "en": "Region where your organisation works",
    "es": "Región en la que trabaja su organización",
    "fr": "Région où travaille votre organisation",
    "sl": "Regija, v kateri deluje vaša organizacija",
    "fi": "Alue, jolla organisaatiosi toimii",
    "it": "Regione in cui opera la sua organizzazione",
}

STAKEHOLDER_TYPE = {
    "en": "Type of organisation",
    "es": "Tipo de organización",
    "fr": "Type d'organisation",
    "sl": "Vrsta organizacije",
    "fi": "Organisaation tyyppi",
    "it": "Tipo di organizzazione",
}

CONSENT = {
    "en": "I have read the information about this survey and agree to take part.",
    "es": "He leído la información sobre esta encuesta y acepto participar.",
    "fr": "J'ai lu les informations sur cette enquête et j'accepte d'y participer.",
    "sl": "Prebral(-a) sem informacije o tej raziskavi in se strinjam s sodelovanjem.",
    "fi": "Olen lukenut tätä kyselyä koskevat tiedot ja suostun osallistumaan.",
    "it": "Ho letto le informazioni su questa indagine e accetto di partecipare.",
}

CONSENT_GROUP = {
    "en": "Consent",
    "es": "Consentimiento",
    "fr": "Consentement",
    "sl": "Soglasje",
    "fi": "Suostumus",
    "it": "Consenso",
}

YES = {"en": "Yes", "es": "Sí", "fr": "Oui", "sl": "Da", "fi": "Kyllä", "it": "Sì"}
NO = {"en": "No", "es": "No", "fr": "Non", "sl": "Ne", "fi": "Ei", "it": "No"}

WHOLE_NUMBER = {
    "en": "Enter a whole number, 0 or more.",
    "es": "Introduzca un número entero igual o mayor que 0.",
    "fr": "Saisissez un nombre entier supérieur ou égal à 0.",
    "sl": "Vnesite celo število, 0 ali več.",
    "fi": "Anna kokonaisluku, 0 tai suurempi.",
    "it": "Inserisca un numero intero pari o superiore a 0.",
}

#: The prompt after the competence in a rating question's label.
RATING_PROMPT = {
    "current": {
        "en": "your current level",
        "es": "su nivel actual",
        "fr": "votre niveau actuel",
        "sl": "vaša trenutna raven",
        "fi": "nykyinen osaamistasosi",
        "it": "il suo livello attuale",
    },
    "required": {
        "en": "level required in your work",
        "es": "nivel requerido en su trabajo",
        "fr": "niveau requis dans votre travail",
        "sl": "raven, potrebna pri vašem delu",
        "fi": "työssäsi vaadittava taso",
        "it": "livello richiesto nel suo lavoro",
    },
    "importance": {
        "en": "importance for your organisation",
        "es": "importancia para su organización",
        "fr": "importance pour votre organisation",
        "sl": "pomembnost za vašo organizacijo",
        "fi": "tärkeys organisaatiollesi",
        "it": "importanza per la sua organizzazione",
    },
}

#: Short names of the ratings (column headers of a LimeSurvey array).
RATING_HEADER = {
    "current": {
        "en": "Current level",
        "es": "Nivel actual",
        "fr": "Niveau actuel",
        "sl": "Trenutna raven",
        "fi": "Nykyinen taso",
        "it": "Livello attuale",
    },
    "required": {
        "en": "Required level",
        "es": "Nivel requerido",
        "fr": "Niveau requis",
        "sl": "Zahtevana raven",
        "fi": "Vaadittu taso",
        "it": "Livello richiesto",
    },
    "importance": {
        "en": "Importance",
        "es": "Importancia",
        "fr": "Importance",
        "sl": "Pomembnost",
        "fi": "Tärkeys",
        "it": "Importanza",
    },
}

#: Anchors of a five-level proficiency scale (current and required levels).
LEVEL_ANCHORS = {
    "en": ("None", "Basic", "Intermediate", "Advanced", "Expert"),
    "es": ("Ninguno", "Básico", "Intermedio", "Avanzado", "Experto"),
    "fr": ("Aucun", "Élémentaire", "Intermédiaire", "Avancé", "Expert"),
    "sl": ("Brez", "Osnovno", "Srednje", "Napredno", "Strokovno"),
    "fi": ("Ei lainkaan", "Perustaso", "Keskitaso", "Edistynyt", "Asiantuntija"),
    "it": ("Nessuno", "Base", "Intermedio", "Avanzato", "Esperto"),
}

#: Anchors of a five-level importance scale.
IMPORTANCE_ANCHORS = {
    "en": (
        "Not important",
        "Slightly important",
        "Moderately important",
        "Very important",
        "Essential",
    ),
    "es": (
        "Nada importante",
        "Poco importante",
        "Moderadamente importante",
        "Muy importante",
        "Imprescindible",
    ),
    "fr": (
        "Pas important",
        "Peu important",
        "Moyennement important",
        "Très important",
        "Essentiel",
    ),
    "sl": ("Ni pomembno", "Malo pomembno", "Zmerno pomembno", "Zelo pomembno", "Bistveno"),
    "fi": ("Ei tärkeä", "Vähän tärkeä", "Kohtalaisen tärkeä", "Erittäin tärkeä", "Välttämätön"),
    "it": (
        "Per niente importante",
        "Poco importante",
        "Moderatamente importante",
        "Molto importante",
        "Essenziale",
    ),
}

ORGANISATION_SIZE = {
    "en": "Size of your organisation (people employed)",
    "es": "Tamaño de su organización (personas empleadas)",
    "fr": "Taille de votre organisation (personnes employées)",
    "sl": "Velikost vaše organizacije (število zaposlenih)",
    "fi": "Organisaatiosi koko (työntekijöitä)",
    "it": "Dimensione della sua organizzazione (persone occupate)",
}

#: The EU size classes (Recommendation 2003/361/EC head counts).
ORGANISATION_SIZE_CHOICES = {
    "micro": {
        "en": "Micro (fewer than 10)",
        "es": "Micro (menos de 10)",
        "fr": "Micro (moins de 10)",
        "sl": "Mikro (manj kot 10)",
        "fi": "Mikro (alle 10)",
        "it": "Micro (meno di 10)",
    },
    "small": {
        "en": "Small (10–49)",
        "es": "Pequeña (10–49)",
        "fr": "Petite (10–49)",
        "sl": "Majhna (10–49)",
        "fi": "Pieni (10–49)",
        "it": "Piccola (10–49)",
    },
    "medium": {
        "en": "Medium (50–249)",
        "es": "Mediana (50–249)",
        "fr": "Moyenne (50–249)",
        "sl": "Srednja (50–249)",
        "fi": "Keskisuuri (50–249)",
        "it": "Media (50–249)",
    },
    "large": {
        "en": "Large (250 or more)",
        "es": "Grande (250 o más)",
        "fr": "Grande (250 ou plus)",
        "sl": "Velika (250 ali več)",
        "fi": "Suuri (250 tai enemmän)",
        "it": "Grande (250 o più)",
    },
}

#: The stakeholder types of the default typology (``se-default``), by id.
DEFAULT_TYPES = {
    "cooperative": {
        "es": "Cooperativa",
        "fr": "Coopérative",
        "sl": "Zadruga",
        "fi": "Osuuskunta",
        "it": "Cooperativa",
    },
    "mutual": {
        "es": "Mutualidad",
        "fr": "Mutuelle",
        "sl": "Vzajemna organizacija",
        "fi": "Keskinäinen yhtiö",
        "it": "Mutua",
    },
    "association": {
        "es": "Asociación",
        "fr": "Association",
        "sl": "Društvo",
        "fi": "Yhdistys",
        "it": "Associazione",
    },
    "foundation": {
        "es": "Fundación",
        "fr": "Fondation",
        "sl": "Fundacija",
        "fi": "Säätiö",
        "it": "Fondazione",
    },
    "social_enterprise": {
        "es": "Empresa social",
        "fr": "Entreprise sociale",
        "sl": "Socialno podjetje",
        "fi": "Yhteiskunnallinen yritys",
        "it": "Impresa sociale",
    },
    "wise": {
        "es": "Empresa social de inserción laboral",
        "fr": "Entreprise sociale d'insertion",
        "sl": "Socialno podjetje za delovno vključevanje",
        "fi": "Työllistävä yhteiskunnallinen yritys",
        "it": "Impresa sociale di inserimento lavorativo",
    },
    "public_authority": {
        "es": "Administración pública",
        "fr": "Autorité publique",
        "sl": "Javni organ",
        "fi": "Julkinen viranomainen",
        "it": "Autorità pubblica",
    },
    "federation_network": {
        "es": "Federación o red",
        "fr": "Fédération ou réseau",
        "sl": "Zveza ali mreža",
        "fi": "Liitto tai verkosto",
        "it": "Federazione o rete",
    },
    "development_agency": {
        "es": "Agencia de desarrollo",
        "fr": "Agence de développement",
        "sl": "Razvojna agencija",
        "fi": "Kehittämisyhtiö",
        "it": "Agenzia di sviluppo",
    },
    "education_provider": {
        "es": "Centro de educación o formación",
        "fr": "Organisme d'enseignement ou de formation",
        "sl": "Izobraževalna ustanova",
        "fi": "Koulutuksen järjestäjä",
        "it": "Ente di istruzione o formazione",
    },
    "finance_provider": {
        "es": "Entidad financiera",
        "fr": "Organisme de financement",
        "sl": "Finančna institucija",
        "fi": "Rahoittaja",
        "it": "Ente finanziatore",
    },
}


def type_labels(names: Mapping[str, str], code: str) -> dict[str, str]:
    """Stakeholder type labels in language ``code``: ``names`` (type id →
    label as the survey's typology gives it) with the questionnaire's
    translation of each default-typology type whose id and English label
    are the survey's (a typology that relabels a type keeps its label)."""
    from ._model import Typology

    types = Typology.default().types
    default = dict(zip(types["id"], types["label"], strict=True))
    out = dict(names)
    for tid, label in names.items():
        if default.get(tid) == label and code in DEFAULT_TYPES.get(tid, {}):
            out[tid] = DEFAULT_TYPES[tid][code]
    return out


def _positions(n: int) -> list[int | None]:
    """Which of the five anchors labels each of ``n`` levels (None: a bare
    number). Five levels use all five; four and three a subset; other sizes
    label the two ends (and the middle of an odd scale)."""
    if n == 5:
        return [0, 1, 2, 3, 4]
    if n == 4:
        return [0, 1, 3, 4]
    if n == 3:
        return [0, 2, 4]
    out: list[int | None] = [None] * n
    out[0], out[-1] = 0, 4
    if n % 2 == 1:
        out[n // 2] = 2
    return out


def level_labels(lo: int, hi: int, lang: str, *, importance: bool) -> list[str]:
    """Labels of the levels ``lo..hi`` in ``lang``: ``"1 – None"`` … ``"5 – Expert"``
    (importance: ``"1 – Not important"`` … ``"5 – Essential"``)."""
    anchors = (IMPORTANCE_ANCHORS if importance else LEVEL_ANCHORS)[lang]
    levels = range(lo, hi + 1)
    return [
        str(v) if p is None else f"{v} – {anchors[p]}"
        for v, p in zip(levels, _positions(len(levels)), strict=True)
    ]
