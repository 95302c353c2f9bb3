// The demo page's ad renderers. A tag for a native or video site answers a script that dispatches an `rtb:ad`
// event on `document` with { format, markup }; the handler below renders it into the slot of the tag that is
// running (the tags are synchronous, so that is the slot the page is parsing).
(function () {
  function fire(url) {
    if (url) new Image(1, 1).src = url;
  }
  function status(slot, text) {
    var p = document.createElement('p');
    p.className = 'status';
    p.textContent = text;
    slot.appendChild(p);
  }

  // Native 1.0–1.2 response: title, main image, sponsor line, link; impression trackers fired on render.
  function renderNative(slot, markup) {
    var ad = JSON.parse(markup);
    if (ad.native) ad = ad.native;
    var a = document.createElement('a');
    a.className = 'native-ad';
    a.href = ad.link.url;
    a.target = '_blank';
    (ad.assets || []).forEach(function (asset) {
      if (asset.img) {
        var img = document.createElement('img');
        img.src = asset.img.url;
        img.alt = '';
        a.appendChild(img);
      } else if (asset.title) {
        var title = document.createElement('strong');
        title.textContent = asset.title.text;
        a.appendChild(title);
      } else if (asset.data) {
        var data = document.createElement('small');
        data.textContent = asset.data.value;
        a.appendChild(data);
      }
    });
    a.addEventListener('click', function () { (ad.link.clicktrackers || []).forEach(fire); });
    slot.appendChild(a);
    var trackers = (ad.imptrackers || []).concat((ad.eventtrackers || []).filter(function (t) {
      return t.event === 1 && t.method === 1;
    }).map(function (t) { return t.url; }));
    trackers.forEach(fire);
    status(slot, 'native impression trackers fired: ' + trackers.length);
  }

  // VAST InLine linear ad: the first MediaFile in a <video>; the <Impression> URLs fired once, when playback
  // starts, or when the media cannot be loaded (so a broken media URL still shows the impression path).
  function playVast(slot, markup) {
    var vast = new DOMParser().parseFromString(markup, 'text/xml');
    var text = function (el) { return el.textContent.trim(); };
    var all = function (name) { return Array.prototype.map.call(vast.getElementsByTagName(name), text); };
    var media = all('MediaFile')[0];
    var title = all('AdTitle')[0] || 'Video ad';
    var clickThrough = all('ClickThrough')[0];
    var video = document.createElement('video');
    video.width = 640;
    video.height = 360;
    video.muted = true;
    video.autoplay = true;
    video.controls = true;
    video.setAttribute('playsinline', '');
    video.poster = 'data:image/svg+xml,' + encodeURIComponent(
      '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360"><rect width="640" height="360" fill="#235"/>' +
      '<text x="320" y="190" font-family="sans-serif" font-size="28" fill="#fff" text-anchor="middle">' +
      title.replace(/[<>&"]/g, '') + '</text></svg>');
    var started = false;
    var start = function (how) {
      if (started) return;
      started = true;
      var impressions = all('Impression');
      impressions.forEach(fire);
      status(slot, 'VAST impressions fired (' + how + '): ' + impressions.length);
    };
    video.addEventListener('playing', function () { start('playback started'); });
    video.addEventListener('error', function () { start('no playable media file'); });
    video.addEventListener('click', function () {
      all('ClickTracking').forEach(fire);
      if (clickThrough) window.open(clickThrough, '_blank');
    });
    slot.appendChild(video);
    var caption = document.createElement('p');
    caption.textContent = title;
    slot.appendChild(caption);
    if (media) video.src = media;
    else start('no media file');
  }

  document.addEventListener('rtb:ad', function (event) {
    var detail = event.detail;
    var script = document.currentScript;
    var slot = (script && script.parentNode) || document.body;
    if (detail.format === 'native') renderNative(slot, detail.markup);
    else if (detail.format === 'vast') playVast(slot, detail.markup);
  });
})();
