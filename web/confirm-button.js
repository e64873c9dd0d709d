// A button that asks before it acts: the first press turns it into "Sure?
// Press again" for a few seconds. No window.confirm(): a dialog would cover a
// projector, steal the keyboard, and some browsers suppress it.

import { h, setText, setAttr } from "./dom.js";

export function confirmButton({ label, confirmLabel, testid, cls = "btn-danger-ghost", onConfirm }) {
  const button = h("button", { type: "button", class: ["btn", cls], testid }, label);
  let armed = false;
  let timer = 0;
  const disarm = () => {
    armed = false;
    clearTimeout(timer);
    setText(button, label);
    setAttr(button, "data-armed", null);
  };
  button.addEventListener("click", () => {
    if (!armed) {
      armed = true;
      setText(button, confirmLabel);
      setAttr(button, "data-armed", "true");
      timer = setTimeout(disarm, 4000);
      return;
    }
    disarm();
    onConfirm();
  });
  button.addEventListener("blur", () => setTimeout(() => { if (document.activeElement !== button) disarm(); }, 0));
  return button;
}
