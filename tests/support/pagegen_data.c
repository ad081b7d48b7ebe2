/* pagegen_data.c: word lists for the page generator, all invented or generic.
 * The dive list holds common competition dives with the heights at which the app's
 * dive table has a DD (tests/c/test_pagegen.c checks this against the table). */
#include "pagegen_data.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

const pagegen_dive dm_pagegen_dives[] = {
    {"101A", "Forward Dive Straight", PG_HALL},
    {"101B", "Forward Dive Pike", PG_HALL},
    {"101C", "Forward Dive Tuck", PG_HALL},
    {"102B", "Forward Somersault Pike", PG_HALL},
    {"102C", "Forward Somersault Tuck", PG_HALL},
    {"103B", "Forward 1 1/2 Somersault Pike", PG_HALL},
    {"103C", "Forward 1 1/2 Somersault Tuck", PG_HALL},
    {"104B", "Forward Double Somersault Pike", PG_HALL},
    {"104C", "Forward Double Somersault Tuck", PG_HALL},
    {"105B", "Forward 2 1/2 Somersault Pike", PG_HALL},
    {"105C", "Forward 2 1/2 Somersault Tuck", PG_HALL},
    {"106C", "Forward Triple Somersault Tuck", PG_H1 | PG_H3},
    {"107B", "Forward 3 1/2 Somersault Pike", PG_H1 | PG_H3 | PG_H10},
    {"107C", "Forward 3 1/2 Somersault Tuck", PG_HALL},
    {"109C", "Forward 4 1/2 Somersault Tuck", PG_H3 | PG_H10},
    {"201A", "Back Dive Straight", PG_HALL},
    {"201B", "Back Dive Pike", PG_HALL},
    {"201C", "Back Dive Tuck", PG_HALL},
    {"202B", "Back Somersault Pike", PG_HALL},
    {"202C", "Back Somersault Tuck", PG_HALL},
    {"203B", "Back 1 1/2 Somersault Pike", PG_HALL},
    {"203C", "Back 1 1/2 Somersault Tuck", PG_HALL},
    {"204C", "Back Double Somersault Tuck", PG_HALL},
    {"205B", "Back 2 1/2 Somersault Pike", PG_H1 | PG_H3 | PG_H75 | PG_H10},
    {"205C", "Back 2 1/2 Somersault Tuck", PG_HALL},
    {"207C", "Back 3 1/2 Somersault Tuck", PG_H3 | PG_H75 | PG_H10},
    {"301A", "Reverse Dive Straight", PG_HALL},
    {"301B", "Reverse Dive Pike", PG_HALL},
    {"301C", "Reverse Dive Tuck", PG_HALL},
    {"302C", "Reverse Somersault Tuck", PG_HALL},
    {"303B", "Reverse 1 1/2 Somersault Pike", PG_HALL},
    {"303C", "Reverse 1 1/2 Somersault Tuck", PG_HALL},
    {"304C", "Reverse Double Somersault Tuck", PG_HALL},
    {"305B", "Reverse 2 1/2 Somersault Pike", PG_H1 | PG_H3 | PG_H75 | PG_H10},
    {"305C", "Reverse 2 1/2 Somersault Tuck", PG_HALL},
    {"401A", "Inward Dive Straight", PG_HALL},
    {"401B", "Inward Dive Pike", PG_HALL},
    {"401C", "Inward Dive Tuck", PG_HALL},
    {"402B", "Inward Somersault Pike", PG_HALL},
    {"402C", "Inward Somersault Tuck", PG_HALL},
    {"403B", "Inward 1 1/2 Somersault Pike", PG_HALL},
    {"403C", "Inward 1 1/2 Somersault Tuck", PG_HALL},
    {"404C", "Inward Double Somersault Tuck", PG_HALL},
    {"405B", "Inward 2 1/2 Somersault Pike", PG_H1 | PG_H3 | PG_H75 | PG_H10},
    {"405C", "Inward 2 1/2 Somersault Tuck", PG_HALL},
    {"407C", "Inward 3 1/2 Somersault Tuck", PG_H3 | PG_H75 | PG_H10},
    {"5111A", "Forward Dive 1/2 Twist Straight", PG_HALL},
    {"5112A", "Forward Dive 1 Twist Straight", PG_HALL},
    {"5122D", "Forward Somersault 1 Twist Free", PG_H1 | PG_H3 | PG_H5},
    {"5124D", "Forward Somersault 2 Twists Free", PG_H1 | PG_H3 | PG_H5},
    {"5132D", "Forward 1 1/2 Somersault 1 Twist Free", PG_HALL},
    {"5134D", "Forward 1 1/2 Somersault 2 Twists Free", PG_HALL},
    {"5136D", "Forward 1 1/2 Somersault 3 Twists Free", PG_H1 | PG_H3 | PG_H75 | PG_H10},
    {"5152B", "Forward 2 1/2 Somersault 1 Twist Pike", PG_H1 | PG_H3 | PG_H75 | PG_H10},
    {"5154B", "Forward 2 1/2 Somersault 2 Twists Pike", PG_H1 | PG_H3 | PG_H10},
    {"5221D", "Back Somersault 1/2 Twist Free", PG_H1 | PG_H3 | PG_H5},
    {"5223D", "Back Somersault 1 1/2 Twist Free", PG_H1 | PG_H3 | PG_H5},
    {"5225D", "Back Somersault 2 1/2 Twist Free", PG_H1 | PG_H3 | PG_H5},
    {"5231D", "Back 1 1/2 Somersault 1/2 Twist Free", PG_HALL},
    {"5233D", "Back 1 1/2 Somersault 1 1/2 Twist Free", PG_HALL},
    {"5235D", "Back 1 1/2 Somersault 2 1/2 Twist Free", PG_H1 | PG_H3 | PG_H75 | PG_H10},
    {"5311A", "Reverse Dive 1/2 Twist Straight", PG_HALL},
    {"5321D", "Reverse Somersault 1/2 Twist Free", PG_H1 | PG_H3 | PG_H5},
    {"5323D", "Reverse Somersault 1 1/2 Twist Free", PG_H1 | PG_H3 | PG_H5},
    {"5335D", "Reverse 1 1/2 Somersault 2 1/2 Twist Free", PG_H1 | PG_H3 | PG_H75 | PG_H10},
    {"5337D", "Reverse 1 1/2 Somersault 3 1/2 Twist Free", PG_H1 | PG_H3 | PG_H10},
    {"5411A", "Inward Dive 1/2 Twist Straight", PG_HALL},
    {"5412B", "Inward Dive 1 Twist Pike", PG_HALL},
    {"5422D", "Inward Somersault 1 Twist Free", PG_HALL},
    {"5432D", "Inward 1 1/2 Somersault 1 Twist Free", PG_HALL},
    {"600A", "Armstand Dive Straight", PG_H5 | PG_H75 | PG_H10},
    {"612B", "Armstand Forward Somersault Pike", PG_H5 | PG_H75 | PG_H10},
    {"614C", "Armstand Forward Double Somersault Tuck", PG_H5 | PG_H75 | PG_H10},
    {"622B", "Armstand Backward 1 Somersault Pike", PG_H5 | PG_H75 | PG_H10},
    {"623C", "Armstand Backward 1 1/2 Somersault Tuck", PG_H5 | PG_H75 | PG_H10},
    {"624C", "Armstand Backward Double Somersault Tuck", PG_H75 | PG_H10},
    {"626B", "Armstand Back Triple Somersault Pike", PG_H10},
    {"631B", "Armstand Reverse 1/2 Somersault Pike", PG_H5 | PG_H75 | PG_H10},
    {"632C", "Armstand Reverse 1 Somersault Tuck", PG_H5 | PG_H75 | PG_H10},
    {"6221D", "Armstand Back Somersault 1/2 Twist", PG_H5 | PG_H75 | PG_H10},
};
const size_t dm_pagegen_ndives = N_OF(dm_pagegen_dives);

/* Heights here are where the code is plausible on a page; the app's table has no DD for
 * any of them (absent code, or absent height), which the unit test checks. */
const pagegen_dive dm_pagegen_unknown_dives[] = {
    {"109B", "Forward 4 1/2 Somersault Pike", PG_H3 | PG_H10},
    {"209C", "Back 4 1/2 Somersault Tuck", PG_H10},
    {"5156B", "Forward 2 1/2 Somersault 3 Twists Pike", PG_H10},
    {"5255B", "Back 2 1/2 Somersault 2 1/2 Twist Pike", PG_H10},
    {"5375D", "Reverse 3 1/2 Somersault 2 1/2 Twist Free", PG_H10},
    {"105A", "Forward 2 1/2 Somersault Straight", PG_H1},
    {"407B", "Inward 3 1/2 Somersault Pike", PG_H3},
};
const size_t dm_pagegen_nunknown_dives = N_OF(dm_pagegen_unknown_dives);

const char *const dm_pagegen_first_f[] = {
    "Avery",     "Emma",        "Olivia",  "Sophia",  "Isabella", "Mia",     "Charlotte",
    "Amelia",    "Harper",      "Evelyn",  "Abigail", "Emily",    "Ella",    "Madison",
    "Grace",     "Chloe",       "Natalie", "Hannah",  "Lily",     "Addison", "Brooklyn",
    "Paige",     "Morgan",      "Riley",   "Kaitlyn", "Jordan",   "Taylor",  "Sydney",
    "Mary-Kate", "Anna-Sophia", "Zoë",     "Renée",   "Chloé",    "Noémie",  "Sofía",
    "Mariana",   "Ximena",      "Lucía",   "Björk",   "Ana",      "Mei",     "Priya",
    "Aaliyah",   "Maeve",       "Siobhán", "Élodie",  "Ingrid",   "Kendall", "Reagan",
};
const size_t dm_pagegen_nfirst_f = N_OF(dm_pagegen_first_f);

const char *const dm_pagegen_first_m[] = {
    "Liam",     "Noah",     "Oliver",    "Elijah",    "James",     "William", "Benjamin",
    "Lucas",    "Henry",    "Alexander", "Mason",     "Michael",   "Ethan",   "Daniel",
    "Jacob",    "Logan",    "Jackson",   "Levi",      "Sebastian", "Mateo",   "Jack",
    "Owen",     "Theodore", "Aiden",     "Samuel",    "Joseph",    "John",    "David",
    "Jean-Luc", "José",     "Andrés",    "Sebastián", "Íñigo",     "Björn",   "François",
    "Joaquín",  "Tomás",    "Jesús",     "Ryan",      "Tyler",     "Brandon", "Carter",
    "Wei",      "Arjun",    "Kai",       "Declan",    "Seamus",    "Colton",  "Bryce",
};
const size_t dm_pagegen_nfirst_m = N_OF(dm_pagegen_first_m);

const char *const dm_pagegen_last[] = {
    "Testdiver",   "Smith",    "Johnson",   "Williams",   "Brown",   "Jones",       "Miller",
    "Davis",       "Wilson",   "Anderson",  "Thomas",     "Taylor",  "Moore",       "Jackson",
    "Martin",      "Lee",      "Thompson",  "White",      "Harris",  "Clark",       "Lewis",
    "Robinson",    "Walker",   "Young",     "Allen",      "King",    "Wright",      "Scott",
    "Hill",        "Green",    "Adams",     "Baker",      "Nelson",  "Carter",      "Mitchell",
    "Roberts",     "Turner",   "Phillips",  "Campbell",   "Parker",  "Evans",       "Edwards",
    "Collins",     "Stewart",  "Morris",    "Nguyen",     "Kim",     "Patel",       "Chen",
    "García",      "Muñoz",    "Peña",      "Núñez",      "Gómez",   "Hernández",   "Pérez",
    "Müller",      "Schäfer",  "Björklund", "Lefrançois", "Lefèvre", "Smith-Jones", "Garcia-Lopez",
    "Harper-Reed", "Kowalski", "Nowak",     "Yamamoto",   "Sato",    "MacDonald",   "McAllister",
    "Fitzgerald",  "Sullivan", "Murphy",    "Kelly",
};
const size_t dm_pagegen_nlast = N_OF(dm_pagegen_last);

const char *const dm_pagegen_last_apos[] = {
    "O'Brien", "O'Connor", "D'Angelo", "O'Neill", "D'Amico", "O'Malley", "Dell'Aquila",
};
const size_t dm_pagegen_nlast_apos = N_OF(dm_pagegen_last_apos);

const char *const dm_pagegen_last_particle[] = {
    "de la Cruz", "Van Dyke", "van der Berg", "St. John", "Del Rosario", "De Jesus", "Di Maria",
    "Le Blanc",   "La Rosa",  "Von Essen",    "Da Silva", "dos Santos",  "Ten Eyck", "Du Pont",
};
const size_t dm_pagegen_nlast_particle = N_OF(dm_pagegen_last_particle);

const char *const dm_pagegen_suffixes[] = {"Jr.", "Jr", "III", "II", "Sr.", "IV"};
const size_t dm_pagegen_nsuffixes = N_OF(dm_pagegen_suffixes);

const pagegen_place dm_pagegen_places[] = {
    {"Lakeview", "OH", "United States"},
    {"Austin", "TX", "United States"},
    {"St. Louis", "MO", "United States"},
    {"Coeur d'Alene", "ID", "United States"},
    {"Winston-Salem", "NC", "United States"},
    {"Fort Lauderdale", "FL", "United States"},
    {"Ann Arbor", "MI", "United States"},
    {"The Woodlands", "TX", "United States"},
    {"Carmel", "IN", "United States"},
    {"Mission Viejo", "CA", "United States"},
    {"Bloomington", "IN", "United States"},
    {"Columbus", "OH", "United States"},
    {"Minneapolis", "MN", "United States"},
    {"Pittsburgh", "PA", "United States"},
    {"Knoxville", "TN", "United States"},
    {"Boca Raton", "FL", "United States"},
    {"Houston", "TX", "United States"},
    {"Wilkes-Barre", "PA", "United States"},
    {"O'Fallon", "MO", "United States"},
    {"Lake Forest", "IL", "United States"},
    {"Cañon City", "CO", "United States"},
    {"San José", "CA", "United States"},
    {"Greenwich", "CT", "United States"},
    {"Salt Lake City", "UT", "United States"},
    {"Chapel Hill", "NC", "United States"},
    {"Scottsdale", "AZ", "United States"},
    {"Plano", "TX", "United States"},
    {"Naperville", "IL", "United States"},
    {"Princeton", "NJ", "United States"},
    {"Athens", "GA", "United States"},
    {"Montréal", "QC", "Canada"},
    {"Toronto", "ON", "Canada"},
    {"Guadalajara", "JA", "Mexico"},
    {"San Juan", "PR", "Puerto Rico"},
};
const size_t dm_pagegen_nplaces = N_OF(dm_pagegen_places);

const char *const dm_pagegen_team_words[] = {
    "Dive Club", "Aquatics", "Diving", "Dive Team", "Swim & Dive", "Divers", "Platform Club",
};
const size_t dm_pagegen_nteam_words = N_OF(dm_pagegen_team_words);

const char *const dm_pagegen_meet_words[] = {
    "Spring Invitational", "Winter Championships",     "Summer Open",
    "Fall Classic",        "Junior Regionals",         "Zone Championships",
    "Senior Nationals",    "Age Group Invitational",   "Dual Meet",
    "Holiday Classic",     "Conference Championships", "Sectional Championships",
};
const size_t dm_pagegen_nmeet_words = N_OF(dm_pagegen_meet_words);

const char *const dm_pagegen_orgs[] = {
    "USA Diving",
    "Amateur Athletic Union (AAU)",
    "National Collegiate Athletic Association (NCAA)",
    "High School",
};
const size_t dm_pagegen_norgs = N_OF(dm_pagegen_orgs);
