import type { Translation } from './types';

/** Danish (dansk). */
const da: Translation = {
  app: {
    name: 'Backpack',
    tagline: 'Din journal for ryg- og nakkesmerter',
    skip: 'Gå til indhold',
    language: 'Sprog',
    nav: 'Hovedmenu',
  },
  nav: {
    record: 'Journal',
    checkin: 'Tjek ind',
    measure: 'Mål',
    share: 'Del',
    messages: 'Beskeder',
  },
  pwa: {
    offlineReady: 'Backpack virker nu offline.',
    updateReady: 'En ny version af Backpack er klar.',
    reload: 'Genindlæs',
    dismiss: 'Luk',
  },
  sync: {
    local: 'Kun på denne enhed',
    offline: { one: 'Offline — {n} ændring venter', other: 'Offline — {n} ændringer venter' },
    offlineNone: 'Offline',
    pending: { one: 'Synkroniserer {n} ændring…', other: 'Synkroniserer {n} ændringer…' },
    pendingNone: 'Forbinder…',
    synced: 'Synkroniseret',
    problem: 'Synkroniseringsproblem: {detail}',
  },
  common: {
    loading: 'Indlæser…',
    working: 'Arbejder…',
    continue: 'Fortsæt',
    back: 'Tilbage',
    cancel: 'Annuller',
    unexpected: 'Noget gik galt. Intet blev ændret; prøv igen.',
    comingSoon: 'Kommer snart',
  },
  nrs: { point: '{n} — {label}', low: 'ingen smerte', high: 'værst tænkelige smerte' },
  passphrase: {
    label: 'Adgangssætning',
    repeat: 'Gentag adgangssætningen',
    show: 'Vis adgangssætning',
    tooShort: 'Brug mindst {min} tegn.',
    mismatch: 'De to adgangssætninger er forskellige.',
    empty: 'Skriv din adgangssætning.',
    createHint:
      'Mindst {min} tegn. Den beskytter journalen på denne enhed og sendes aldrig nogen steder hen. Nogle få ord, der ikke hænger sammen, virker godt.',
    unlockHint: 'Den adgangssætning, du valgte på denne enhed.',
  },
  kit: {
    title: 'Dit gendannelsessæt',
    explain:
      'Hvis du mister alle dine enheder, får du din journal tilbage med denne kode. Opbevar den på papir, et sikkert sted. Alle, der har koden, kan åbne din journal.',
    codeLabel: 'Gendannelseskode',
    qrLabel: 'Gendannelseskoden som QR-kode',
    warning: 'Koden vises kun denne ene gang.',
    print: 'Udskriv',
    saved: 'Jeg har udskrevet eller skrevet min gendannelseskode ned',
  },
  checkin: {
    title: 'Tjek ind',
    intro: 'Hvor ondt har du lige nu? Vælg et tal for hvert område, der gør ondt.',
    region: { back: 'Lændesmerter', leg: 'Bensmerter', neck: 'Nakkesmerter' },
    note: 'Noget at tilføje? (valgfrit)',
    save: 'Gem',
    saved: 'Gemt.',
    needOne: 'Vælg et tal for mindst ét område.',
    toRecord: 'Se din journal',
    another: 'Tilføj endnu en',
  },
  timeline: {
    label: 'Dine registreringer, nyeste først',
    empty: 'Intet endnu. Dine registreringer og noter vises her.',
    checkin: 'Smerte',
    byThisDevice: 'dig, på denne enhed',
    byOtherDevice: 'dig, på en anden af dine enheder',
  },
  role: {
    owner: 'dig',
    delegate: 'en pårørende',
    professional: 'en behandler',
    viewer: 'en pårørende',
  },
  unlock: {
    title: 'Lås din journal op',
    explain: 'Din journal er gemt krypteret på denne enhed.',
    submit: 'Lås op',
    wrong: 'Den adgangssætning åbner ikke journalen på denne enhed.',
  },
  welcome: {
    title: 'Velkommen til Backpack',
    lead: 'Backpack gemmer historien om dine ryg- eller nakkesmerter, så du ikke skal fortælle den forfra ved hvert besøg.',
    point1: 'Din journal er krypteret på din enhed. Relæet ser kun krypteret data.',
    point2: 'Du bestemmer, hvem der ser hvad, og hvor længe.',
    point3: 'Den virker offline.',
    create: 'Opret en ny journal',
    link: 'Forbind denne enhed med min journal',
    restore: 'Gendan fra et gendannelsessæt',
  },
  create: {
    title: 'Opret din journal',
    explain: 'Vælg en adgangssætning, der beskytter journalen på denne enhed.',
    submit: 'Opret min journal',
  },
  restore: {
    title: 'Gendan din journal',
    explain:
      'Skriv gendannelseskoden fra dit sæt, og vælg derefter en adgangssætning til denne enhed.',
    code: 'Gendannelseskode',
    submit: 'Gendan min journal',
    error: {
      empty: 'Skriv gendannelseskoden.',
      characters:
        'Koden indeholder tegn, som ikke findes i en gendannelseskode. Tjek for tastefejl.',
      length: 'Koden er for kort eller for lang. Tjek, at du har skrevet det hele.',
      checksum: 'Der er en tastefejl et sted i koden. Sammenlign den med dit sæt.',
      'not-found': 'Relæet har ingen journal for denne kode.',
      'does-not-open': 'Denne kode åbner ikke journalen på relæet. Er det dit nyeste sæt?',
      manifest: 'Journalen på relæet kunne ikke verificeres.',
    },
  },
  link: {
    newTitle: 'Forbind denne enhed',
    newExplain:
      'Vælg først en adgangssætning til denne enhed. Vis derefter forbindelseskoden til en enhed, der allerede har din journal.',
    show: 'Vis forbindelseskode',
    waitTitle: 'Forbindelseskode',
    waitExplain:
      'Åbn Del på din anden enhed, indsæt eller scan denne kode, og tjek, at tallene er ens.',
    thisFingerprint: 'Denne enheds tal:',
    waiting: 'Venter på din anden enhed…',
    qrLabel: 'Forbindelseskoden som QR-kode',
    codeText: 'Forbindelseskode',
    copy: 'Kopiér kode',
    copied: 'Kopieret',
    error: {
      'not-a-link-code': 'Dette er ikke en forbindelseskode fra Backpack.',
      damaged: 'Forbindelseskoden er beskadiget. Kopiér den igen.',
    },
  },
  devices: {
    title: 'Dine enheder',
    explain: 'Forbind endnu en af dine telefoner, tablets eller computere. Den får hele journalen.',
    codeLabel: 'Forbindelseskode fra den nye enhed',
    check: 'Tjek koden',
    compare: 'Tjek, at den nye enhed viser disse tal:',
    approve: 'Tallene er ens: forbind den',
    reject: 'De er ikke ens',
    linked: 'Enheden er forbundet.',
  },
  record: { title: 'Din journal', checkIn: 'Tjek ind nu', lock: 'Lås' },
  measure: {
    title: 'Mål',
    lead: 'Mål, hvor langt og hvor jævnt din nakke og ryg bevæger sig, med telefonens bevægelsessensorer.',
    soon: 'Guidede bevægelsestest kommer i en senere version. Dine resultater bliver gemt i din journal.',
  },
  share: {
    title: 'Del',
    lead: 'Del din journal med de behandlere og pårørende, du vælger: hvilke dele, og hvor længe.',
    soon: 'Deling med behandlere og pårørende kommer i en senere version.',
  },
  messages: {
    title: 'Beskeder',
    lead: 'Forbered spørgsmål til dit næste besøg, og læs dine behandleres svar.',
    soon: 'Beskeder kommer i en senere version.',
  },
};

export default da;
