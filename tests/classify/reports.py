"""News reports written for the story tests: the same events told by different outlets, and other events."""

from __future__ import annotations

import hashlib

from shared.models import Article


def article(key: str, title: str, text: str, source: str = "") -> Article:
    """An article with an id derived from ``key``."""
    return Article(id=hashlib.sha256(key.encode()).hexdigest()[:16], title=title, text=text, source=source)


NIAMEY_SUMMIT = [
    article(
        "summit-a",
        "Sommet de l’AES à Niamey : les chefs d’État lancent une force unifiée",
        "Les présidents du Mali, du Burkina Faso et du Niger, réunis samedi à Niamey pour le deuxième sommet de "
        "la Confédération des États du Sahel, ont annoncé la création d’une force unifiée de 5 000 soldats. "
        "Le général Abdourahamane Tiani a accueilli Assimi Goïta et Ibrahim Traoré. Les trois dirigeants ont "
        "également adopté un prélèvement confédéral de 0,5 % sur les importations pour financer la banque "
        "d’investissement de l’AES.",
        "outlet-one",
    ),
    article(
        "summit-b",
        "Niamey : l’AES se dote d’une force unifiée de 5 000 soldats",
        "Réunis samedi à Niamey pour le deuxième sommet de la Confédération des États du Sahel, Assimi Goïta, "
        "Ibrahim Traoré et le général Abdourahamane Tiani ont acté la création d’une force unifiée de 5 000 "
        "soldats. Un prélèvement confédéral de 0,5 % sur les importations financera la future banque "
        "d’investissement de l’AES, ont indiqué les trois présidents du Mali, du Burkina Faso et du Niger.",
        "outlet-two",
    ),
    article(
        "summit-c",
        "Sommet de l’AES à Niamey : les chefs d’État lancent une force unifiée (mise à jour)",
        "Les présidents du Mali, du Burkina Faso et du Niger, réunis samedi à Niamey pour le deuxième sommet de "
        "la Confédération des États du Sahel, ont annoncé la création d’une force unifiée de 5 000 soldats. "
        "Le général Abdourahamane Tiani a accueilli Assimi Goïta et Ibrahim Traoré. Les trois dirigeants ont "
        "également adopté un prélèvement confédéral de 0,5 % sur les importations pour financer la banque "
        "d’investissement de l’AES. Le prochain sommet se tiendra à Ouagadougou.",
        "outlet-one",
    ),
]

OTHER_NIGER_NEWS = [
    article(
        "uranium",
        "Niger : la junte nationalise la mine d’uranium de la Somaïr",
        "Le gouvernement militaire du Niger a annoncé la nationalisation de la Somaïr, filiale du groupe "
        "français Orano qui exploite la mine d’uranium d’Arlit depuis cinquante ans. Niamey reproche à "
        "l’entreprise d’avoir cessé la production et de bloquer l’exportation du minerai.",
    ),
    article(
        "floods",
        "Inondations au Niger : plus de 300 morts depuis juin",
        "Les pluies diluviennes qui s’abattent sur le Niger depuis le mois de juin ont fait plus de 300 morts "
        "et 400 000 sinistrés, selon un bilan du ministère de l’Action humanitaire publié à Niamey. Les régions "
        "de Maradi et de Zinder sont les plus touchées.",
    ),
    article(
        "summit-2024",
        "Premier sommet de l’AES à Niamey : naissance d’une confédération",
        "Un an après leurs coups d’État respectifs, les dirigeants du Mali, du Burkina Faso et du Niger ont signé "
        "samedi à Niamey le traité instituant la Confédération des États du Sahel. Ils ont aussi confirmé leur "
        "départ de la Cedeao, jugée trop proche de la France.",
    ),
]

LAVROV_EN = [
    article(
        "lavrov-a",
        "Russia's Lavrov hosts Sahel foreign ministers in Moscow",
        "Russian Foreign Minister Sergei Lavrov hosted his counterparts from Mali, Burkina Faso and Niger in "
        "Moscow on Thursday for the first consultations between Russia and the Alliance of Sahel States. Lavrov "
        "promised more military cooperation and help to build nuclear power plants in the three countries.",
    ),
    article(
        "lavrov-b",
        "Lavrov promises Sahel allies military help and nuclear plants",
        "Sergei Lavrov on Thursday promised Mali, Burkina Faso and Niger more military cooperation and help "
        "building nuclear power plants, as Russia's foreign minister hosted his counterparts from the Alliance "
        "of Sahel States in Moscow for their first joint consultations.",
    ),
]
