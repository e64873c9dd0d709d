// "Give me a name": a friendly two-word name (at most 20 characters), so a
// player in a hurry never has to invent one, and a room full of strangers
// reads kindly on the projector.

const ADJECTIVES = [
  "Happy", "Clever", "Brave", "Sunny", "Swift", "Jolly", "Lucky", "Mighty", "Gentle", "Cosmic",
  "Bouncy", "Curious", "Dapper", "Fuzzy", "Golden", "Breezy", "Witty", "Zesty", "Cheery", "Nimble",
];
const NOUNS = [
  "Otter", "Panda", "Falcon", "Koala", "Comet", "Maple", "Penguin", "Tiger", "Dolphin", "Badger",
  "Pebble", "Rocket", "Walrus", "Lynx", "Meteor", "Puffin", "Acorn", "Heron", "Yak", "Fox",
];

/** A random "Adjective Noun" name, different from `avoid` when it can be. */
export function friendlyName(avoid = "", random = Math.random) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const name = `${ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]} ${NOUNS[Math.floor(random() * NOUNS.length)]}`;
    if (name !== avoid) return name;
  }
  return "Happy Otter";
}
