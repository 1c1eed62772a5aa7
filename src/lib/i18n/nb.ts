import type { Translation } from './types';

/** Norwegian Bokmål (norsk bokmål). */
const nb: Translation = {
  app: {
    name: 'Backpack',
    tagline: 'Din journal for rygg- og nakkesmerter',
    skip: 'Gå til innholdet',
    language: 'Språk',
    nav: 'Hovedmeny',
  },
  nav: {
    record: 'Journal',
    checkin: 'Sjekk inn',
    measure: 'Mål',
    share: 'Del',
    messages: 'Meldinger',
  },
  pwa: {
    offlineReady: 'Backpack virker nå uten nett.',
    updateReady: 'En ny versjon av Backpack er klar.',
    reload: 'Last inn på nytt',
    dismiss: 'Lukk',
  },
  sync: {
    local: 'Bare på denne enheten',
    offline: { one: 'Frakoblet — {n} endring venter', other: 'Frakoblet — {n} endringer venter' },
    offlineNone: 'Frakoblet',
    pending: { one: 'Synkroniserer {n} endring…', other: 'Synkroniserer {n} endringer…' },
    pendingNone: 'Kobler til…',
    synced: 'Synkronisert',
    problem: 'Synkroniseringsproblem: {detail}',
  },
  common: {
    loading: 'Laster…',
    working: 'Arbeider…',
    continue: 'Fortsett',
    back: 'Tilbake',
    cancel: 'Avbryt',
    unexpected: 'Noe gikk galt. Ingenting ble endret; prøv igjen.',
    comingSoon: 'Kommer snart',
  },
  nrs: { point: '{n} — {label}', low: 'ingen smerte', high: 'verst tenkelige smerte' },
  passphrase: {
    label: 'Passordfrase',
    repeat: 'Gjenta passordfrasen',
    show: 'Vis passordfrasen',
    tooShort: 'Bruk minst {min} tegn.',
    mismatch: 'De to passordfrasene er ulike.',
    empty: 'Skriv inn passordfrasen din.',
    createHint:
      'Minst {min} tegn. Den beskytter journalen på denne enheten og sendes aldri noe sted. Noen få ord som ikke henger sammen, fungerer godt.',
    unlockHint: 'Passordfrasen du valgte på denne enheten.',
  },
  kit: {
    title: 'Gjenopprettingssettet ditt',
    explain:
      'Hvis du mister alle enhetene dine, får du journalen tilbake med denne koden. Oppbevar den på papir, et trygt sted. Alle som har koden, kan åpne journalen din.',
    codeLabel: 'Gjenopprettingskode',
    qrLabel: 'Gjenopprettingskoden som QR-kode',
    warning: 'Koden vises bare denne ene gangen.',
    print: 'Skriv ut',
    saved: 'Jeg har skrevet ut eller skrevet ned gjenopprettingskoden min',
  },
  checkin: {
    title: 'Sjekk inn',
    intro: 'Hvor vondt har du akkurat nå? Velg et tall for hvert område som gjør vondt.',
    region: { back: 'Korsryggsmerter', leg: 'Bensmerter', neck: 'Nakkesmerter' },
    note: 'Noe å legge til? (valgfritt)',
    save: 'Lagre',
    saved: 'Lagret.',
    needOne: 'Velg et tall for minst ett område.',
    toRecord: 'Se journalen din',
    another: 'Legg til en til',
  },
  timeline: {
    label: 'Registreringene dine, nyeste først',
    empty: 'Ingenting ennå. Registreringer og notater vises her.',
    checkin: 'Smerte',
    byThisDevice: 'deg, på denne enheten',
    byOtherDevice: 'deg, på en annen av enhetene dine',
  },
  role: {
    owner: 'deg',
    delegate: 'en pårørende',
    professional: 'en behandler',
    viewer: 'en pårørende',
  },
  unlock: {
    title: 'Lås opp journalen din',
    explain: 'Journalen din er lagret kryptert på denne enheten.',
    submit: 'Lås opp',
    wrong: 'Den passordfrasen åpner ikke journalen på denne enheten.',
  },
  welcome: {
    title: 'Velkommen til Backpack',
    lead: 'Backpack tar vare på historien om rygg- eller nakkesmertene dine, så du slipper å fortelle den på nytt ved hvert besøk.',
    point1: 'Journalen din er kryptert på enheten din. Reléet ser bare krypterte data.',
    point2: 'Du bestemmer hvem som ser hva, og hvor lenge.',
    point3: 'Den virker uten nett.',
    create: 'Start en ny journal',
    link: 'Koble denne enheten til journalen min',
    restore: 'Gjenopprett fra et gjenopprettingssett',
  },
  create: {
    title: 'Start journalen din',
    explain: 'Velg en passordfrase som beskytter journalen på denne enheten.',
    submit: 'Opprett journalen min',
  },
  restore: {
    title: 'Gjenopprett journalen din',
    explain:
      'Skriv inn gjenopprettingskoden fra settet ditt, og velg så en passordfrase for denne enheten.',
    code: 'Gjenopprettingskode',
    submit: 'Gjenopprett journalen min',
    error: {
      empty: 'Skriv inn gjenopprettingskoden.',
      characters:
        'Koden inneholder tegn som ikke finnes i en gjenopprettingskode. Se etter skrivefeil.',
      length: 'Koden er for kort eller for lang. Sjekk at du har skrevet inn hele.',
      checksum: 'Det er en skrivefeil et sted i koden. Sammenlign den med settet ditt.',
      'not-found': 'Reléet har ingen journal for denne koden.',
      'does-not-open': 'Denne koden åpner ikke journalen på reléet. Er det det nyeste settet ditt?',
      manifest: 'Journalen på reléet kunne ikke verifiseres.',
    },
  },
  link: {
    newTitle: 'Koble til denne enheten',
    newExplain:
      'Velg først en passordfrase for denne enheten. Vis deretter koblingskoden til en enhet som allerede har journalen din.',
    show: 'Vis koblingskode',
    waitTitle: 'Koblingskode',
    waitExplain:
      'Åpne Del på den andre enheten din, lim inn eller skann denne koden, og sjekk at tallene stemmer.',
    thisFingerprint: 'Tallene for denne enheten:',
    waiting: 'Venter på den andre enheten din…',
    qrLabel: 'Koblingskoden som QR-kode',
    codeText: 'Koblingskode',
    copy: 'Kopier koden',
    copied: 'Kopiert',
    error: {
      'not-a-link-code': 'Dette er ikke en koblingskode fra Backpack.',
      damaged: 'Koblingskoden er skadet. Kopier den på nytt.',
    },
  },
  devices: {
    title: 'Enhetene dine',
    explain:
      'Koble til en annen telefon, et nettbrett eller en datamaskin du har. Den får hele journalen.',
    codeLabel: 'Koblingskode fra den nye enheten',
    check: 'Sjekk koden',
    compare: 'Sjekk at den nye enheten viser disse tallene:',
    approve: 'Tallene stemmer: koble den til',
    reject: 'De stemmer ikke',
    linked: 'Enheten er koblet til.',
  },
  record: { title: 'Journalen din', checkIn: 'Sjekk inn nå', lock: 'Lås' },
  measure: {
    title: 'Mål',
    lead: 'Mål hvor langt og hvor jevnt nakken og ryggen din beveger seg, med bevegelsessensorene i telefonen.',
    soon: 'Veiledede bevegelsestester kommer i en senere versjon. Resultatene dine blir lagret i journalen.',
  },
  share: {
    title: 'Del',
    lead: 'Del journalen din med behandlerne og de pårørende du velger: hvilke deler, og hvor lenge.',
    soon: 'Deling med behandlere og pårørende kommer i en senere versjon.',
  },
  messages: {
    title: 'Meldinger',
    lead: 'Forbered spørsmål til neste besøk, og les svarene fra behandlerne dine.',
    soon: 'Meldinger kommer i en senere versjon.',
  },
};

export default nb;
