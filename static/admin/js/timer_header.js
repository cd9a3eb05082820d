// Keep the running timer's elapsed time (h:mm) in the admin header current.
// The server renders the value; without JavaScript it is correct as of page load.
"use strict";
{
  const el = document.querySelector(".timer-header__elapsed[data-elapsed]");
  if (el) {
    const started = Date.now() - Number(el.dataset.elapsed) * 1000;
    const render = () => {
      const minutes = Math.floor((Date.now() - started) / 60000);
      el.textContent = `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
    };
    setInterval(render, 15000);
  }
}
