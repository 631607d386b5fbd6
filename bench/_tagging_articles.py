"""Two long articles (about 600 words each) written for the tagging benchmark, with ordinary news density.

Paragraphs are wrapped for the source file; ``unwrap`` restores one line per paragraph.
"""


def unwrap(text: str) -> str:
    """Join the wrapped lines of each paragraph, keeping blank lines between paragraphs."""
    return "\n\n".join(" ".join(p.split("\n")) for p in text.strip().split("\n\n"))


FRENCH_TITLE = "Sahel : à Niamey, l’AES veut passer de la rupture à la construction"
FRENCH = unwrap("""
NIAMEY – Deux ans après avoir claqué la porte de la Communauté économique des États de l’Afrique de l’Ouest,
les trois pays de l’Alliance des États du Sahel cherchent désormais à prouver que leur confédération peut
fonctionner au quotidien. Réunis pendant deux jours dans la capitale nigérienne, les ministres des Affaires
étrangères, de la Défense et des Finances ont préparé le sommet des chefs d’État prévu en fin de semaine.

Sur la table, trois dossiers occupent l’essentiel des discussions. Le premier concerne la force unifiée,
dont le quartier général doit être installé à Niamey. Selon un document consulté par notre rédaction, ses
effectifs atteindraient 5 000 hommes d’ici la fin de l’année, avec des bataillons fournis à parts égales par
le Mali, le Burkina Faso et le Niger. Les états-majors espèrent ainsi mieux coordonner leurs opérations dans
la zone dite des trois frontières, où les groupes armés continuent de frapper les populations civiles et les
postes militaires.

Le deuxième dossier est financier. Les trois gouvernements veulent créer une banque confédérale
d’investissement et une taxe de 0,5 % sur les importations en provenance de pays tiers. Plusieurs
économistes de la région doutent toutefois de la capacité de ces États, déjà lourdement endettés, à
mobiliser rapidement les ressources nécessaires. Le franc CFA, que les trois pays partagent encore avec
leurs voisins côtiers, reste un sujet sensible : à Bamako comme à Ouagadougou, certains responsables
plaident pour une monnaie commune sahélienne, tandis que d’autres redoutent un saut dans l’inconnu.

Le troisième dossier touche à la libre circulation. Le passeport confédéral, lancé au début de l’année, doit
désormais être reconnu par les partenaires extérieurs. Des discussions ont été engagées avec le Maroc, qui
propose aux pays enclavés du Sahel un accès à l’océan Atlantique, et avec plusieurs pays du Golfe.

Sur le plan diplomatique, l’AES a multiplié les signaux d’ouverture. Le ministre malien des Affaires
étrangères a rappelé que la confédération « ne tourne le dos à personne » et souhaite maintenir des
relations de bon voisinage avec les pays côtiers. Des émissaires togolais et ghanéens étaient d’ailleurs
présents à Niamey en marge des travaux. Le président ghanéen a proposé à plusieurs reprises de jouer les
médiateurs entre les deux blocs.

La Russie reste le partenaire le plus visible. Les instructeurs de l’Africa Corps, qui ont succédé aux
hommes de Wagner au Mali, sont également présents au Burkina Faso et au Niger. Moscou a promis de nouvelles
livraisons d’équipements et une coopération dans le nucléaire civil. La Turquie, qui fournit des drones, et
la Chine, très présente dans le secteur pétrolier nigérien, complètent ce tableau.

Sur le terrain, la situation sécuritaire demeure préoccupante. Dans le nord du Burkina Faso, une attaque
contre un convoi de ravitaillement a fait une vingtaine de morts la semaine dernière. Au Mali, l’armée
poursuit ses frappes contre les rebelles du Front de libération de l’Azawad dans la région de Kidal. Au
Niger, les autorités font face à la fois aux jihadistes de l’État islamique au Sahel à l’ouest et aux
incursions de Boko Haram dans la région de Diffa.

Les organisations humanitaires s’inquiètent du sort de plus de trois millions de déplacés dans les trois
pays. Plusieurs d’entre elles dénoncent des restrictions d’accès aux zones de conflit et la suspension de
certains programmes. Les autorités répondent que la priorité reste la reconquête du territoire.

Dans les rues de Niamey, les habitants attendent surtout des résultats concrets. « On nous parle de
souveraineté, mais le prix du riz a doublé et l’électricité est coupée plusieurs heures par jour », confie
un commerçant du grand marché. Les délestages, dus au manque de carburant et à des centrales vieillissantes,
pèsent lourdement sur l’activité économique. Le sommet de samedi devra aussi répondre à ces attentes.
""")

ENGLISH_TITLE = "Sahel juntas seek to turn their break with ECOWAS into a working alliance"
ENGLISH = unwrap("""
NIAMEY – Two years after walking out of the Economic Community of West African States, the three members of
the Alliance of Sahel States are trying to show that their confederation can deliver more than defiance.
Foreign, defence and finance ministers from Mali, Burkina Faso and Niger met for two days in the Nigerien
capital to prepare a summit of heads of state at the end of the week.

Three issues dominate the talks. The first is the unified military force, whose headquarters will be in
Niamey. According to a document seen by reporters, it should reach 5,000 troops by the end of the year, with
battalions supplied equally by the three countries. Army chiefs hope the force will improve coordination in
the tri-border area, where armed groups keep attacking civilians and military posts.

The second issue is money. The three governments want to set up a confederal investment bank funded by a
0.5% levy on imports from outside the bloc. Several economists in the region doubt that states already
heavily in debt can raise the funds quickly. The CFA franc, which the three countries still share with their
coastal neighbours, remains sensitive: in Bamako and Ouagadougou some officials argue for a common Sahelian
currency, while others fear a leap in the dark.

The third issue is free movement. The confederal passport launched at the start of the year now needs to be
recognised abroad. Talks have begun with Morocco, which is offering the landlocked Sahel states access to
the Atlantic Ocean, and with several Gulf countries.

On the diplomatic front, the alliance has sent signals of openness. Mali's foreign minister said the
confederation "turns its back on no one" and wants good relations with coastal states. Togolese and Ghanaian
envoys attended meetings on the sidelines in Niamey, and Ghana's president has repeatedly offered to mediate
between the two blocs.

Russia remains the most visible partner. Instructors from the Africa Corps, which replaced Wagner fighters
in Mali, are also deployed in Burkina Faso and Niger. Moscow has promised new equipment and cooperation on
civilian nuclear power. Turkey, which supplies drones, and China, a major player in Niger's oil sector,
complete the picture.

On the ground, security remains grim. In northern Burkina Faso, an attack on a supply convoy killed about 20
people last week. In Mali, the army is pursuing air strikes against rebels of the Azawad Liberation Front
around Kidal. Niger faces both Islamic State Sahel Province fighters in the west and Boko Haram incursions
in the Diffa region.

Aid agencies are worried about more than three million displaced people across the three countries. Several
of them complain about restricted access to conflict zones and the suspension of some programmes. The
authorities say their priority remains retaking territory.

In the streets of Niamey, residents mostly want tangible results. "They talk to us about sovereignty, but
the price of rice has doubled and the power goes off for hours every day," said a trader at the main market.
Power cuts, caused by fuel shortages and ageing plants, are weighing heavily on economic activity.
Saturday's summit will also have to answer those expectations. The leaders are expected to sign a
declaration on energy and food security before leaving the Nigerien capital, officials said, while the next
meeting of the confederation could take place in Ouagadougou early next year.
""")
